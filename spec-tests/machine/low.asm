; A Multiboot kernel linked at 0x8000 (where real-mode test code lives)
; with two modules (QEMU's -initrd "file args,file args" convention): it
; loads, the information structure lies past its end on a page boundary,
; each module is page-aligned with its bytes and its command line, and the
; memory map reserves the boot information while the kernel's own pages
; stay RAM.
; vmidbt-run: --initrd "mod-a.txt alpha,mod-b.txt beta gamma"
%define LOAD_ADDR 0x8000
%include "machine.inc"

test_main:
    CHECK dword [mb_magic], 0x2badb002, 1
    mov ebx, [mb_info]
    mov eax, image_end + 0xfff
    and eax, ~0xfff
    CHECK ebx, eax, 2                     ; the first page boundary after the image
    mov eax, [ebx]
    and eax, 0x249                        ; mem, mods, mmap, loader name
    CHECK eax, 0x249, 3
    CHECK dword [ebx + 20], 2, 4          ; mods_count
    mov esi, [ebx + 24]                   ; the module list
    ; module 0
    mov eax, [esi]
    test eax, 0xfff
    jnz .unaligned
    CHECK dword [eax], 'modu', 5
    CHECK byte [eax + 7], 'A', 6
    mov edx, [esi + 4]
    sub edx, eax
    CHECK edx, 9, 7
    push esi
    mov esi, [esi + 8]
    mov edi, cmd_a
    call strcmp_z
    pop esi
    jne .bad_cmdline
    ; module 1
    mov eax, [esi + 16]
    test eax, 0xfff
    jnz .unaligned
    cmp eax, [esi + 4]
    jb .overlap
    CHECK dword [eax], 'modu', 8
    CHECK byte [eax + 7], 'B', 9
    push esi
    mov esi, [esi + 24]
    mov edi, cmd_b
    call strcmp_z
    pop esi
    jne .bad_cmdline
    ; the memory map: the kernel's page is RAM, the information's page is reserved
    mov eax, LOAD_ADDR
    call map_type
    CHECK eax, 1, 10
    mov eax, [mb_info]
    call map_type
    CHECK eax, 2, 11
    mov eax, [esi + 16]
    call map_type
    CHECK eax, 2, 12
    PASS
.unaligned:
    mov eax, 13
    jmp fail
.bad_cmdline:
    mov eax, 14
    jmp fail
.overlap:
    mov eax, 15
    jmp fail

; map_type: eax = address; eax = the type of the memory map entry holding it (0: none)
map_type:
    push ebx
    push ecx
    push edx
    mov ebx, [mb_info]
    mov ecx, [ebx + 48]
    mov edx, ecx
    add edx, [ebx + 44]
.entry:
    cmp ecx, edx
    jae .none
    mov ebx, eax
    sub ebx, [ecx + 4]
    cmp ebx, [ecx + 12]
    jb .hit
    add ecx, [ecx]
    add ecx, 4
    jmp .entry
.hit:
    mov eax, [ecx + 20]
    jmp .out
.none:
    xor eax, eax
.out:
    pop edx
    pop ecx
    pop ebx
    ret

cmd_a: db 'mod-a.txt alpha', 0
cmd_b: db 'mod-b.txt beta gamma', 0
END_IMAGE
