; Privilege transitions: IRET to ring 3, #GP for privileged instructions at
; CPL 3, an interrupt gate back to ring 0 with the stack switched to the
; TSS's ESP0, a DPL 0 gate refused to ring 3, and a user access to a
; supervisor page faulting with error code 5.
%include "lib.inc"

PD  equ 0x100000
PT  equ 0x101000
SUPER_PAGE equ 0x300000

test_main:
    call install_int30
    ; paging with user access everywhere but one page
    xor ecx, ecx
.fill:
    mov eax, ecx
    shl eax, 12
    or eax, 7
    mov [PT + ecx*4], eax
    inc ecx
    cmp ecx, 1024
    jb .fill
    mov dword [PT + (SUPER_PAGE >> 12)*4], SUPER_PAGE | 3
    mov dword [PD], PT | 7
    mov eax, PD
    mov cr3, eax
    mov eax, cr0
    or eax, 0x80000000
    mov cr0, eax
    ; the int 0x30 gate sends ring 3 back here
    mov dword [int30_target], back_in_ring0
    ; drop to ring 3
    push dword SEL_DATA3 | 3
    push dword 0x7f000
    push dword 0x002                ; IF clear, IOPL 0
    push dword SEL_CODE3 | 3
    push dword ring3
    iretd

ring3:
    mov ax, SEL_DATA3 | 3
    mov ds, ax
    mov es, ax
    mov ax, cs
    and eax, 3
    mov [user_cpl], eax
    ; privileged instructions raise #GP(0)
    EXPECT .a
    hlt
.a: mov eax, [last_vector]
    mov [r3_hlt], eax
    EXPECT .b
    mov eax, cr0
.b: mov eax, [last_vector]
    mov [r3_movcr], eax
    EXPECT .c
    cli
.c: mov eax, [last_vector]
    mov [r3_cli], eax
    mov eax, [last_cs]
    mov [r3_fault_cs], eax
    ; a DPL 0 gate: #GP with error code vector*8+2
    EXPECT .d
    int 0x31
.d: mov eax, [last_error]
    mov [r3_gate_error], eax
    ; a supervisor page: #PF with error code 5 (present, user, read)
    EXPECT .e
    mov eax, [SUPER_PAGE]
.e: mov eax, [last_error]
    mov [r3_pf_error], eax
    ; back to ring 0 through the DPL 3 gate
    int 0x30

back_in_ring0:
    CHECK dword [user_cpl], 3, 1
    CHECK dword [r3_hlt], 13, 2
    CHECK dword [r3_movcr], 13, 3
    CHECK dword [r3_cli], 13, 4
    CHECK dword [r3_fault_cs], SEL_CODE3 | 3, 5
    CHECK dword [r3_gate_error], 0x31*8 + 2, 6
    CHECK dword [r3_pf_error], 5, 7
    ; the int 0x30 frame: pushed on the TSS stack, user SS:ESP saved
    CHECK dword [int30_cs], SEL_CODE3 | 3, 8
    CHECK dword [int30_esp], TSS_STACK - 20, 9
    CHECK dword [int30_user_ss], SEL_DATA3 | 3, 10
    CHECK dword [int30_user_esp], 0x7f000, 11
    PASS

; int 0x30 handler: records the frame, then continues at [int30_target] in ring 0
int30_handler:
    mov [ss:int30_esp], esp
    mov eax, [esp + 4]
    mov [ss:int30_cs], eax
    mov eax, [esp + 12]
    mov [ss:int30_user_esp], eax
    mov eax, [esp + 16]
    mov [ss:int30_user_ss], eax
    mov ax, SEL_DATA0
    mov ds, ax
    mov es, ax
    mov esp, RING0_STACK
    jmp [int30_target]

; point vector 0x30 at int30_handler before anything runs
install_int30:
    mov eax, int30_handler
    mov [idt + 0x30*8], ax
    shr eax, 16
    mov [idt + 0x30*8 + 6], ax
    ret

int30_target:   dd 0
int30_esp:      dd 0
int30_cs:       dd 0
int30_user_esp: dd 0
int30_user_ss:  dd 0
user_cpl:       dd 0
r3_hlt:         dd 0
r3_movcr:       dd 0
r3_cli:         dd 0
r3_fault_cs:    dd 0
r3_gate_error:  dd 0
r3_pf_error:    dd 0
