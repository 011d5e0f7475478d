; mov to and from control and debug registers take every ModRM mod as the
; register form: no SIB byte, no displacement, no #UD; each encoding below
; is three bytes long, and the next instruction starts right after it.
%include "lib.inc"

; MOVX op, mod, reg, rm: 0F op with ModRM (mod, reg, rm)
%macro MOVX 4
    db 0x0f, %1, ((%2) << 6) | ((%3) << 3) | (%4)
%endmacro

test_main:
    mov ebx, cr0
    ; reads of CR0 into EAX with mod 0 (rm 0), 1 and 2: a disp8/disp32 would swallow the mov ecx that follows
%assign m 0
%rep 3
    xor eax, eax
    MOVX 0x20, m, 0, 0           ; mov eax, cr0
    mov ecx, 0x11111111
    CHECK eax, ebx, 1 + m
    CHECK ecx, 0x11111111, 4 + m
%assign m m + 1
%endrep
    ; mod 0 with rm 5 (normally disp32 only) and rm 4 (normally a SIB byte): EBP and ESP are the operands
    mov edx, cr3
    mov ebp, 0x5a5a5a5a
    MOVX 0x20, 0, 3, 5           ; mov ebp, cr3
    nop
    CHECK ebp, edx, 7
    mov dr0, esp                 ; so that mov esp, dr0 leaves ESP as it is
    mov ebx, esp
    MOVX 0x21, 0, 0, 4           ; mov esp, dr0
    nop
    CHECK esp, ebx, 8
    ; writes: CR3 (paging is off), DR1-DR3 with mods 1, 2 and 0
    mov eax, 0x12345000
    MOVX 0x22, 1, 3, 0           ; mov cr3, eax
    mov ecx, cr3
    CHECK ecx, 0x12345000, 9
    mov eax, 0x1111
    mov ecx, 0x2222
    mov edx, 0x3333
    MOVX 0x23, 2, 1, 0           ; mov dr1, eax
    MOVX 0x23, 0, 2, 1           ; mov dr2, ecx
    MOVX 0x23, 1, 3, 2           ; mov dr3, edx
    mov eax, dr1
    CHECK eax, 0x1111, 10
    mov eax, dr2
    CHECK eax, 0x2222, 11
    mov eax, dr3
    CHECK eax, 0x3333, 12
    MOVX 0x21, 2, 3, 0           ; mov eax, dr3
    CHECK eax, 0x3333, 13
    ; an undefined control register is still #UD, whatever the mod
    EXPECT .ud
    MOVX 0x20, 1, 5, 0           ; mov eax, cr5
.ud: CHECK dword [last_vector], 6, 14
    CHECK dword [last_eip], .ud - 3, 15
    PASS
