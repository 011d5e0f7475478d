; Descriptor loads that must fault, with the error codes the manual gives,
; limit and type checks on accesses, and the accessed bit.
%include "lib.inc"

%macro FAULTS 3          ; vector, error code, check number (after EXPECT and the faulting instruction)
    CHECK dword [last_vector], %1, %3
    CHECK dword [last_error], %2, %3 + 100
%endmacro

test_main:
    ; null selector into SS: #GP(0)
    EXPECT .t1
    xor ax, ax
    mov ss, ax
.t1:
    FAULTS 13, 0, 1
    ; not-present data segment: #NP(selector)
    EXPECT .t2
    mov ax, SEL_NP
    mov ds, ax
.t2:
    FAULTS 11, SEL_NP, 2
    ; selector beyond the GDT limit: #GP(selector)
    EXPECT .t3
    mov ax, 0x1000
    mov es, ax
.t3:
    FAULTS 13, 0x1000, 3
    ; SS with DPL 3 at CPL 0: #GP(selector)
    EXPECT .t4
    mov ax, SEL_DATA3
    mov ss, ax
.t4:
    FAULTS 13, SEL_DATA3, 4
    ; execute-only code segment into DS: #GP(selector)
    EXPECT .t5
    mov ax, SEL_XONLY
    mov ds, ax
.t5:
    FAULTS 13, SEL_XONLY, 5
    ; read-only data into SS: #GP(selector)
    EXPECT .t6
    mov ax, SEL_RONLY
    mov ss, ax
.t6:
    FAULTS 13, SEL_RONLY, 6
    ; a write through a read-only data segment: #GP(0)
    mov ax, SEL_RONLY
    mov es, ax
    mov eax, [es:0x100]             ; reading is allowed
    EXPECT .t7
    mov dword [es:0x100], 1
.t7:
    FAULTS 13, 0, 7
    ; limit checks: last valid dword at 0xFFC, 0xFFD and 0x1000 fault
    mov ax, SEL_SMALL
    mov fs, ax
    mov eax, [fs:0xffc]
    CHECK dword [fault_count], 7, 8
    EXPECT .t9
    mov eax, [fs:0xffd]
.t9:
    FAULTS 13, 0, 9
    EXPECT .t10
    mov al, [fs:0x1000]
.t10:
    FAULTS 13, 0, 10
    ; expand-down: offsets at or below the limit fault, above it are fine
    mov ax, SEL_DOWN
    mov gs, ax
    mov eax, [gs:0x2000]
    CHECK dword [fault_count], 9, 11
    EXPECT .t12
    mov eax, [gs:0x800]
.t12:
    FAULTS 13, 0, 12
    ; a null DS loads fine but using it faults (EXPECT writes through DS, so it comes first)
    EXPECT .t13
    xor ax, ax
    mov ds, ax
    mov eax, [0x1000]
.t13:
    mov ax, SEL_DATA0
    mov ds, ax
    FAULTS 13, 0, 13
    ; stack-segment limit violation: #SS(0)
    mov ax, SEL_SMALL
    mov ss, ax
    mov esp, 0xf00
    mov ebp, 0x2000
    EXPECT .t14
    mov eax, [ebp]
.t14:
    mov ax, SEL_DATA0
    mov ss, ax
    mov esp, RING0_STACK
    FAULTS 12, 0, 14
    ; loading a descriptor set its accessed bit
    test byte [gdt + SEL_SMALL + 5], 1
    jnz .accessed
    mov eax, 15
    jmp fail
.accessed:
    PASS
