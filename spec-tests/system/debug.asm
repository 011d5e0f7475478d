; Debug registers and RF: an instruction breakpoint is a #DB fault with RF
; clear in its frame, and RF lets the instruction restart past it; other
; faults push RF set, traps push it clear; write and read/write breakpoints
; of lengths 1, 2 and 4 are traps after the access (B0-B3 in DR6); mov ss
; and pop ss hold a data breakpoint's and the single-step trap past the next
; instruction; DR7.GD makes a debug-register access a #DB fault (BD, GD
; cleared); and breakpoints armed on code and data that already ran (and,
; under the translator, were translated) fire exactly as interpreted.
%include "lib.inc"

RF equ 0x10000
; DR7 for breakpoint n with R/W rw and LEN len (L bit set)
%define DR7_FOR(n, rw, len) ((1 << (2*(n))) | ((rw) << (16 + 4*(n))) | ((len) << (18 + 4*(n))))

%macro ARM 3                     ; ARM n, rw, len (address already in DRn)
    mov eax, DR7_FOR(%1, %2, %3)
    mov dr7, eax
    mov dword [db_count], 0
%endmacro

%macro DB_SEEN 3                 ; DB_SEEN count, eip, check: the #DB count and the last one's EIP
    CHECK dword [db_count], %1, %3
    CHECK dword [db_eip], %2, %3
%endmacro

%macro DR6_LOW 2                 ; DR6_LOW bits, check: B0-B3 of the last #DB
    mov eax, [db_dr6]
    and eax, 0xf
    CHECK eax, %1, %2
%endmacro

test_main:
    mov eax, db_handler
    mov [idt + 8], ax
    shr eax, 16
    mov [idt + 8 + 6], ax

    ; 1. instruction breakpoint (DR0): fault before the instruction, RF clear in the frame, restart with RF
    mov eax, bp_sub
    mov dr0, eax
    ARM 0, 0, 0
    call bp_sub
    DB_SEEN 1, bp_sub, 1
    DR6_LOW 1, 2
    mov eax, [db_eflags]
    and eax, RF
    CHECK eax, 0, 3
    CHECK dword [counter], 1, 4  ; the instruction ran once, after the restart
    call bp_sub                  ; RF was cleared after it: the breakpoint fires again
    DB_SEEN 2, bp_sub, 5
    CHECK dword [counter], 2, 6
    ; DR2 for the same address: B2
    mov eax, bp_sub
    mov dr2, eax
    ARM 2, 0, 0
    call bp_sub
    DR6_LOW 4, 7

    ; 2. RF in fault frames: set for faults, clear for traps
    xor eax, eax
    mov dr7, eax
    EXPECT .u
    ud2
.u: mov eax, [last_eflags]
    and eax, RF
    CHECK eax, RF, 10
    EXPECT .np
    mov ax, SEL_NP
    mov ds, ax
.np: FAULTED 11, SEL_NP, 11
    mov eax, [last_eflags]
    and eax, RF
    CHECK eax, RF, 12
    EXPECT .bp
    int3
.bp: mov eax, [last_eflags]
    and eax, RF
    CHECK eax, 0, 13

    ; 3. write breakpoints (DR1) of each length: traps after the access that overlaps them
    mov eax, data
    mov dr1, eax
    ARM 1, 1, 3                  ; 4 bytes
    mov byte [data + 3], 1
.w4: DB_SEEN 1, .w4, 20
    DR6_LOW 2, 21
    mov byte [data + 4], 1       ; past the 4 bytes
    mov eax, [data]              ; a read
    CHECK dword [db_count], 1, 22
    mov [data - 1], ax           ; overlaps byte 0
.w4b: DB_SEEN 2, .w4b, 23
    ARM 1, 1, 1                  ; 2 bytes
    mov byte [data + 1], 1
.w2: DB_SEEN 1, .w2, 24
    mov byte [data + 2], 1
    CHECK dword [db_count], 1, 25
    ARM 1, 1, 0                  ; 1 byte
    mov byte [data + 1], 1
    CHECK dword [db_count], 0, 26
    mov byte [data], 1
.w1: DB_SEEN 1, .w1, 27
    ; read/write breakpoints: reads hit too
    ARM 1, 3, 3
    mov eax, [data]
.r4: DB_SEEN 1, .r4, 28
    cmp eax, [data + 2]
.r4b: DB_SEEN 2, .r4b, 29
    mov eax, [data + 4]
    CHECK dword [db_count], 2, 30

    ; 4. mov ss and pop ss hold debug traps past the next instruction
    mov eax, ss_sel
    mov dr1, eax
    ARM 1, 3, 3
    mov ss, [ss_sel]
    inc ecx
.ss: DB_SEEN 1, .ss, 40
    DR6_LOW 2, 41
    xor eax, eax
    mov dr7, eax
    mov dword [db_count], 0
    mov ax, ss
    pushfd
    or dword [esp], 0x100        ; TF: the instructions after popfd are traced
    popfd
    mov ss, ax                   ; its single-step trap waits
    inc ecx
.tf: DB_SEEN 1, .tf, 42          ; one trap, after inc
    mov eax, [db_dr6]
    and eax, 0x4000
    CHECK eax, 0x4000, 43        ; BS
    push ss                      ; pop ss reads its selector through a read/write breakpoint
    mov dr1, esp
    ARM 1, 3, 3
    mov byte [db_disarm], 1      ; the #DB frame lands on the watched slot: the handler disarms first
    pop ss
    inc ecx
.popss: DB_SEEN 1, .popss, 44
    DR6_LOW 2, 45
    mov byte [db_disarm], 0

    ; 5. DR7.GD: a debug-register access is a #DB fault with BD, and GD is cleared for the handler
    mov eax, 0x2000
    mov dr7, eax
    mov dword [db_count], 0
.gd: mov eax, dr0
    DB_SEEN 1, .gd, 50
    mov eax, [db_dr6]
    and eax, 0x2000
    CHECK eax, 0x2000, 51
    mov eax, [db_dr7]
    and eax, 0x2000
    CHECK eax, 0, 52
    mov eax, dr7
    and eax, 0x2000
    CHECK eax, 0, 53

    ; 6. breakpoints on code and data that already ran (translated, under the translator)
    mov ecx, 5
    call hot_loop
    mov eax, hot_loop.body
    mov dr0, eax
    ARM 0, 0, 0
    mov ecx, 5
    call hot_loop
    DB_SEEN 5, hot_loop.body, 60
    mov eax, hot_sum
    mov dr1, eax
    ARM 1, 1, 3
    mov ecx, 5
    call hot_loop
    DB_SEEN 5, hot_loop.after, 61
    CHECK dword [hot_sum], 45, 62
    xor eax, eax
    mov dr7, eax
    PASS

bp_sub:
    inc dword [counter]
    ret

hot_loop:
.body:
    add [hot_sum], ecx
.after:
    dec ecx
    jnz .body
    ret

; #DB: note DR6, DR7 and the frame; return with TF clear and RF set (an instruction breakpoint restarts)
db_handler:
    push eax
    mov eax, dr6
    mov [db_dr6], eax
    mov eax, dr7
    mov [db_dr7], eax
    cmp byte [db_disarm], 0
    je .armed
    xor eax, eax
    mov dr7, eax
.armed:
    mov eax, [esp + 4]
    mov [db_eip], eax
    mov eax, [esp + 12]
    mov [db_eflags], eax
    and dword [esp + 12], ~0x100
    or dword [esp + 12], RF
    inc dword [db_count]
    xor eax, eax
    mov dr6, eax
    pop eax
    iretd

align 8
counter:      dd 0
db_disarm:    dd 0
db_count:     dd 0
db_eip:       dd 0
db_eflags:    dd 0
db_dr6:       dd 0
db_dr7:       dd 0
ss_sel:       dd SEL_DATA0
hot_sum:      dd 0
align 8
              dd 0
data:         dd 0, 0
