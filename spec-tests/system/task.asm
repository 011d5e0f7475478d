; Task switches (32-bit TSS): far jmp and call to a TSS and through a task
; gate, int n and a double fault through task gates in the IDT (the double
; fault of a stack overflow, handled on the task's own stack), iret with NT
; back to the caller; the busy bits, the link field, NT, CR0.TS, the T bit;
; and each fault: a busy TSS (#GP), a TSS too small (#TS), not present
; (#NP), a task gate not present (#NP), RPL above DPL (#GP), iret to a task
; that is not busy (#TS), and faults loading the new task (#TS, #NP) taken
; in the new task at its first instruction.
%include "lib.inc"

SEL_T1     equ 0x58             ; the task most checks switch to
SEL_TG1    equ 0x60             ; task gate -> SEL_T1
SEL_TSMALL equ 0x68             ; TSS with limit 0x50
SEL_TNP    equ 0x70             ; TSS not present
SEL_TGNP   equ 0x78             ; task gate not present
SEL_TDF    equ 0x80             ; the double-fault task
SEL_TBAD   equ 0x88             ; a task whose ES is execute-only code
SEL_TNPES  equ 0x90             ; a task whose ES is not present
SEL_TTRAP  equ 0x98             ; a task with the T bit
GDT2_SIZE  equ 0xa0

test_main:
    ; the library's GDT, with TR's busy TSS, grows into gdt2
    mov esi, gdt
    mov edi, gdt2
    mov ecx, (gdt_end - gdt) / 4
    rep movsd
    lgdt [gdt2_desc]
    call make_descriptors

    ; 1. jmp to a TSS: the old task saved and available, the new one busy, CR0.TS set
    clts
    mov edi, tss1
    mov eax, task_jmp
    call init_tss
    mov ebx, 0x1234
    jmp SEL_T1:0
    CHECK ebx, 0x1234, 1         ; the old task's registers come back from its TSS
    str ax
    CHECK ax, SEL_TSS, 2
    CHECK dword [scratch], 0x1111, 3
    mov eax, cr0
    and eax, 8
    CHECK eax, 8, 4
    mov cx, SEL_T1
    call tss_type
    CHECK eax, 9, 5              ; jmp back made task 1 available again
    CHECK dword [tss1 + 0x20], task_jmp.back, 6   ; its EIP was saved after its jmp

    ; 2. call to a TSS: NT and the link in the new task; iret returns, the callee no longer busy
    mov edi, tss1
    mov eax, task_call
    call init_tss
    mov dword [scratch], 0
    call SEL_T1:0
    CHECK dword [scratch], 0x2222, 10
    mov cx, SEL_T1
    call tss_type
    CHECK eax, 9, 11
    mov cx, SEL_TSS
    call tss_type
    CHECK eax, 0xb, 12
    pushfd
    pop eax
    and eax, 0x4000
    CHECK eax, 0, 13             ; the caller's NT is its own (clear)

    ; 3. call and jmp through a task gate
    mov edi, tss1
    mov eax, task_call
    call init_tss
    mov dword [scratch], 0
    call SEL_TG1:0
    CHECK dword [scratch], 0x2222, 20
    mov edi, tss1
    mov eax, task_jmp
    call init_tss
    mov dword [scratch], 0
    jmp SEL_TG1:0
    CHECK dword [scratch], 0x1111, 21

    ; 4. int 0x31 through a task gate in the IDT
    mov dword [idt + 0x31*8], SEL_T1 << 16
    mov dword [idt + 0x31*8 + 4], 0x8500
    mov edi, tss1
    mov eax, task_call
    call init_tss
    mov dword [scratch], 0
    int 0x31
    CHECK dword [scratch], 0x2222, 30

    ; 5. a stack overflow: #SS while delivering #SS is a double fault, whose task gate runs on its own stack
    mov dword [idt + 8*8], SEL_TDF << 16
    mov dword [idt + 8*8 + 4], 0x8500
    mov edi, tss_df
    mov eax, task_df
    call init_tss
    mov dword [tss_df + 0x38], 0x6f000
    mov [saved_esp], esp
    mov ax, SEL_SMALL            ; a stack segment of 4 KiB: ESP 0 has no room
    mov ss, ax
    mov esp, 0
.df_push:
    push eax
    ud2                          ; not reached: the double-fault task resumes us at .df_back
.df_back:
    mov ax, SEL_DATA0
    mov ss, ax
    mov esp, [saved_esp]
    CHECK dword [scratch], 0x3333, 40
    CHECK dword [df_code], 0, 41
    CHECK dword [df_link], SEL_TSS, 42
    CHECK dword [df_eip], .df_push, 43     ; the old task was saved at the faulting push

    ; 6. the faults of the way in
    EXPECT .f1
    jmp SEL_TSS:0                ; our own TSS is busy
.f1: FAULTED 13, SEL_TSS, 50
    EXPECT .f2
    jmp SEL_TSMALL:0
.f2: FAULTED 10, SEL_TSMALL, 51
    EXPECT .f3
    call SEL_TNP:0
.f3: FAULTED 11, SEL_TNP, 52
    EXPECT .f4
    jmp SEL_TGNP:0
.f4: FAULTED 11, SEL_TGNP, 53
    EXPECT .f5
    jmp (SEL_T1 | 3):0           ; RPL 3 above the TSS's DPL 0
.f5: FAULTED 13, SEL_T1, 54
    ; iret with NT to a task that is not busy
    mov word [tss], SEL_T1
    pushfd
    or dword [esp], 0x4000
    popfd
    EXPECT .f6
    iretd
.f6: pushfd                      ; the frame's NT came back with the handler's iret
    and dword [esp], ~0x4000
    popfd
    FAULTED 10, SEL_T1, 55

    ; 7. faults loading the new task are the new task's, at its first instruction
    mov edi, tss_bad
    mov eax, task_never
    call init_tss
    mov dword [tss_bad + 0x48], SEL_XONLY
    EXPECT in_bad_task
    jmp SEL_TBAD:0
    CHECK dword [scratch], 0x4444, 60
    mov edi, tss_bad
    mov eax, task_never
    call init_tss
    mov dword [tss_bad + 0x48], SEL_NP
    mov dword [scratch], 0
    EXPECT in_bad_task.np
    jmp SEL_TNPES:0
    CHECK dword [scratch], 0x5555, 61

    ; 8. the T bit: #DB (DR6.BT) at the new task's first instruction
    mov edi, tss_trap
    mov eax, task_never
    call init_tss
    mov word [tss_trap + 0x64], 1
    xor eax, eax
    mov dr6, eax
    EXPECT in_trap_task
    jmp SEL_TTRAP:0
    CHECK dword [scratch], 0x6666, 70
    PASS

; ---- the tasks -------------------------------------------------------------------

task_jmp:
    str ax
    CHECK ax, SEL_T1, 100
    pushfd
    pop eax
    and eax, 0x4000
    CHECK eax, 0, 101            ; a jmp does not nest
    mov cx, SEL_TSS
    call tss_type
    CHECK eax, 9, 102            ; the old task is available
    mov cx, SEL_T1
    call tss_type
    CHECK eax, 0xb, 103
    mov dword [scratch], 0x1111
    jmp SEL_TSS:0
.back:
    ud2

task_call:
    pushfd
    pop eax
    and eax, 0x4000
    CHECK eax, 0x4000, 110       ; nested
    movzx eax, word [tss1]
    CHECK eax, SEL_TSS, 111      ; the link names the caller
    mov cx, SEL_TSS
    call tss_type
    CHECK eax, 0xb, 112          ; the caller stays busy
    mov dword [scratch], 0x2222
    iretd

task_df:
    pop eax                      ; the error code, on this task's stack
    mov [df_code], eax
    movzx eax, word [tss_df]
    mov [df_link], eax
    mov eax, [tss + 0x20]
    mov [df_eip], eax
    ; repair the overflowing task: resume it past the fault with its stack back
    mov dword [tss + 0x20], test_main.df_back
    mov dword [tss + 0x50], SEL_DATA0
    mov dword [scratch], 0x3333
    iretd

task_never:
    ud2

; the handler of a fault loading a task resumes here, in that task
in_bad_task:
    FAULTED 10, SEL_XONLY, 120
    str ax
    CHECK ax, SEL_TBAD, 121
    CHECK dword [last_eip], task_never, 122
    mov dword [scratch], 0x4444
    jmp SEL_TSS:0
.np:
    FAULTED 11, SEL_NP, 125
    str ax
    CHECK ax, SEL_TNPES, 126
    mov dword [scratch], 0x5555
    jmp SEL_TSS:0

in_trap_task:
    CHECK dword [last_vector], 1, 130
    CHECK dword [last_eip], task_never, 131
    mov eax, dr6
    and eax, 0x8000
    CHECK eax, 0x8000, 132
    mov dword [scratch], 0x6666
    jmp SEL_TSS:0

; ---- helpers ---------------------------------------------------------------------

; tss_type: cx = selector; eax = its descriptor's type (lar)
tss_type:
    lar eax, cx
    shr eax, 8
    and eax, 0xf
    ret

; init_tss: edi = TSS, eax = EIP; flat ring 0, ESP 0x70000, EFLAGS 2, no LDT
init_tss:
    push edi
    push eax
    mov ecx, 26
    xor eax, eax
    rep stosd
    pop eax
    pop edi
    mov [edi + 0x20], eax
    mov dword [edi + 0x24], 2
    mov dword [edi + 0x38], 0x70000
    mov dword [edi + 0x48], SEL_DATA0
    mov dword [edi + 0x4c], SEL_CODE0
    mov dword [edi + 0x50], SEL_DATA0
    mov dword [edi + 0x54], SEL_DATA0
    mov word [edi + 0x66], 104
    ret

; set_desc: eax = selector, ebx = base (a task gate: the TSS selector), ecx = limit (< 64 KiB), dl = access byte
set_desc:
    and eax, ~7
    add eax, gdt2
    mov [eax], cx
    mov [eax + 2], bx
    push ebx
    shr ebx, 16
    mov [eax + 4], bl
    mov [eax + 5], dl
    mov byte [eax + 6], 0
    mov [eax + 7], bh
    pop ebx
    ret

%macro DESC 4
    mov eax, %1
    mov ebx, %2
    mov ecx, %3
    mov dl, %4
    call set_desc
%endmacro

make_descriptors:
    DESC SEL_T1, tss1, 0x67, 0x89
    DESC SEL_TG1, SEL_T1, 0, 0x85
    DESC SEL_TSMALL, tss_small, 0x50, 0x89
    DESC SEL_TNP, tss_small, 0x67, 0x09
    DESC SEL_TGNP, SEL_T1, 0, 0x05
    DESC SEL_TDF, tss_df, 0x67, 0x89
    DESC SEL_TBAD, tss_bad, 0x67, 0x89
    DESC SEL_TNPES, tss_bad, 0x67, 0x89
    DESC SEL_TTRAP, tss_trap, 0x67, 0x89
    ret

; ---- data ------------------------------------------------------------------------

scratch:   dd 0
saved_esp: dd 0
df_code:   dd 0xffffffff
df_link:   dd 0
df_eip:    dd 0
gdt2_desc:
    dw GDT2_SIZE - 1
    dd gdt2
align 16
tss1:      times 104 db 0
tss_small: times 104 db 0
tss_df:    times 104 db 0
tss_bad:   times 104 db 0
tss_trap:  times 104 db 0
align 8
gdt2:      times GDT2_SIZE db 0
