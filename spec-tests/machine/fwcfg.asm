; QEMU's fw_cfg: the "QEMU" signature, the feature bits (port and DMA), the
; CPU count (the kernel command line ends with cpus=N, N the --smp it was
; booted with), the RAM size against the Multiboot memory fields, the boot
; device, the file directory (etc/e820 with the machine's map, etc/acpi/rsdp
; with the RSDP the machine placed), and a DMA read of the signature.
; vmidbt-run: --smp 1 --append cpus=1
; vmidbt-run: --smp 4 --append cpus=4
%include "machine.inc"

%macro SELECT 1
    mov ax, %1
    mov dx, 0x510
    out dx, ax
%endmacro

test_main:
    SELECT 0
    call read4
    CHECK eax, 'QEMU', 1
    SELECT 1
    call read4
    CHECK eax, 3, 2
    ; CPU count: the command line's last character is the digit
    call cmdline_digit
    mov ebx, eax
    SELECT 5
    call read2
    CHECK eax, ebx, 3
    SELECT 0x0f
    call read2
    CHECK eax, ebx, 4
    ; RAM: 1 MiB + mem_upper KiB
    mov esi, [mb_info]
    mov ebx, [esi + 8]
    shl ebx, 10
    add ebx, 0x100000
    SELECT 3
    call read4
    CHECK eax, ebx, 5
    call read4
    CHECK eax, 0, 6
    SELECT 0x0c
    call read2
    CHECK eax, 'c', 7
    ; the file directory
    SELECT 0x19
    call read4be
    mov [file_count], eax
    cmp eax, 6
    jb .few
    xor ebp, ebp
.file:
    call read4be
    mov [f_size], eax
    call read2be
    mov [f_select], eax
    call read2
    mov edi, f_name
    mov ecx, 56
.name: call read1
    stosb
    loop .name
    mov esi, f_name
    mov edi, name_e820
    call strcmp_z
    jne .not_e820
    mov eax, [f_size]
    mov [e820_size], eax
    mov eax, [f_select]
    mov [e820_select], eax
.not_e820:
    mov esi, f_name
    mov edi, name_rsdp
    call strcmp_z
    jne .not_rsdp
    mov eax, [f_select]
    mov [rsdp_select], eax
.not_rsdp:
    inc ebp
    cmp ebp, [file_count]
    jb .file
    ; etc/e820: 20-byte entries, the first conventional memory from 0
    mov eax, [e820_size]
    xor edx, edx
    mov ecx, 20
    div ecx
    CHECK edx, 0, 8
    cmp eax, 3
    jb .few
    SELECT [e820_select]
    call read4
    CHECK eax, 0, 9
    call read4
    call read4
    CHECK eax, 0x9fc00, 10
    call read4
    call read4
    CHECK eax, 1, 11
    ; etc/acpi/rsdp: the RSDP at 0xE0000
    SELECT [rsdp_select]
    call read4
    CHECK eax, [0xe0000], 12
    call read4
    CHECK eax, [0xe0004], 13
    ; DMA: the signature register, then a select-and-read of item 0
    mov dx, 0x514
    in eax, dx
    CHECK eax, 'QEMU', 14
    mov dword [dma_block], 0x0a000000     ; big endian: select (8) | read (2), item 0
    mov dword [dma_block + 4], 0x04000000 ; 4 bytes
    mov dword [dma_block + 8], 0
    mov eax, dma_buffer
    bswap eax
    mov [dma_block + 12], eax
    xor eax, eax
    out dx, eax
    mov eax, dma_block
    bswap eax
    mov dx, 0x518
    out dx, eax
    CHECK dword [dma_buffer], 'QEMU', 15
    CHECK dword [dma_block], 0, 16        ; done, no error
    PASS
.few:
    mov eax, 17
    jmp fail

read1:
    mov dx, 0x511
    in al, dx
    movzx eax, al
    ret
read2:
    push ebx
    call read1
    mov ebx, eax
    call read1
    shl eax, 8
    or eax, ebx
    pop ebx
    ret
read4:
    push ebx
    call read2
    mov ebx, eax
    call read2
    shl eax, 16
    or eax, ebx
    pop ebx
    ret
read4be:
    call read4
    bswap eax
    ret
read2be:
    call read2
    xchg al, ah
    ret

name_e820:   db 'etc/e820', 0
name_rsdp:   db 'etc/acpi/rsdp', 0
align 4
file_count:  dd 0
f_size:      dd 0
f_select:    dd 0
e820_size:   dd 0
e820_select: dd 0
rsdp_select: dd 0
f_name:      times 56 db 0
align 16
dma_block:   times 16 db 0
dma_buffer:  dd 0
END_IMAGE
