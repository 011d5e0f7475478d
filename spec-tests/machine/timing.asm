; Timers and interrupts do not wait for the scheduler. A one-shot local
; APIC timer armed in the middle of a scheduling slice interrupts at the
; cycle it is due (not when the slice ends), and a fixed self-IPI is taken
; right after the ICR write (not when the translated loop around it ends),
; with a short slice and a long one, interpreted and translated. Guest
; time is the instruction count, so the TSC measures both in instructions.
; vmidbt-run: --slice 2000
; vmidbt-run: --slice 1000000
%include "machine.inc"

TIMER_COUNT equ 5000             ; cycles (divide by 1) from arming to the interrupt
TIMER_SLACK equ 16               ; the instructions between the TSC reads and the timer's
IPI_SLACK   equ 16               ; the instructions from the TSC read to the handler's

test_main:
    mov dword [APIC + 0xf0], 0x1ff   ; software-enable the local APIC
    SET_GATE 0x40, on_timer
    SET_GATE 0x41, on_ipi
    mov dword [APIC + 0x3e0], 0xb    ; divide by 1
    mov dword [APIC + 0x320], 0x40   ; one-shot, vector 0x40
    sti
    rdtsc
    mov [armed_at], eax
    mov dword [APIC + 0x380], TIMER_COUNT
    mov ecx, 10000000
.wait_timer:
    cmp dword [timer_fired], 0
    jne .timer_fired
    dec ecx
    jnz .wait_timer
    mov eax, 1                   ; the timer never fired
    jmp fail
.timer_fired:
    mov eax, [timer_at]
    sub eax, [armed_at]
    cmp eax, TIMER_COUNT
    jae .not_early
    mov eax, 2                   ; early
    jmp fail
.not_early:
    cmp eax, TIMER_COUNT + TIMER_SLACK
    jbe .timer_on_time
    mov eax, 3                   ; late: it waited for something
    jmp fail
.timer_on_time:
    rdtsc
    mov [sent_at], eax
    mov dword [APIC + 0x300], 0x44041   ; fixed, assert, self shorthand, vector 0x41
    mov ecx, 10000000
.wait_ipi:
    cmp dword [ipi_taken], 0
    jne .ipi_taken
    dec ecx
    jnz .wait_ipi
    mov eax, 4                   ; the IPI never came
    jmp fail
.ipi_taken:
    mov eax, [ipi_at]
    sub eax, [sent_at]
    cmp eax, IPI_SLACK
    jbe .ipi_prompt
    mov eax, 5                   ; late: taken after the loop ran on
    jmp fail
.ipi_prompt:
    PASS

on_timer:
    push eax
    push edx
    rdtsc
    mov [timer_at], eax
    mov dword [timer_fired], 1
    mov dword [APIC + 0xb0], 0
    pop edx
    pop eax
    iretd

on_ipi:
    push eax
    push edx
    rdtsc
    mov [ipi_at], eax
    mov dword [ipi_taken], 1
    mov dword [APIC + 0xb0], 0
    pop edx
    pop eax
    iretd

align 4096                       ; data apart from code: a store to a code page would send that code back to the interpreter
armed_at:    dd 0
timer_at:    dd 0
timer_fired: dd 0
sent_at:     dd 0
ipi_at:      dd 0
ipi_taken:   dd 0
END_IMAGE
