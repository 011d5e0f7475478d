; Protected-mode entry from real mode: after lib.inc's lgdt / CR0.PE / far
; jump we must be in 32-bit code at CPL 0 with the flat selectors loaded.
%include "lib.inc"

test_main:
    mov eax, cr0
    and eax, 1
    CHECK eax, 1, 1                 ; CR0.PE set
    mov ax, cs
    CHECK ax, SEL_CODE0, 2          ; CS is the ring-0 code selector
    mov ax, ss
    CHECK ax, SEL_DATA0, 3
    ; 32-bit operand size is the default: this adds 32-bit values
    mov eax, 0x12345678
    add eax, 0x11111111
    CHECK eax, 0x23456789, 4
    ; flat data segment: a linear address above 1 MiB is reachable
    mov dword [0x200000], 0xcafef00d
    CHECK dword [0x200000], 0xcafef00d, 5
    ; sgdt returns what lgdt loaded
    sgdt [scratch]
    CHECK word [scratch], gdt_end - gdt - 1, 6
    CHECK dword [scratch + 2], gdt, 7
    ; the GDT's code descriptor got its accessed bit
    test byte [gdt + 8 + 5], 1
    jnz .accessed
    mov eax, 8
    jmp fail
.accessed:
    ; an exception is delivered through the IDT and resumes
    EXPECT .after_ud
    ud2
.after_ud:
    CHECK dword [last_vector], 6, 9
    CHECK dword [fault_count], 1, 10
    PASS

scratch: times 8 db 0
