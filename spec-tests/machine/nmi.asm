; NMI blocking: an NMI handler that sends itself a second NMI (through the
; local APIC's ICR, self shorthand) does not see it while it runs, even
; across many scheduling slices; the second is taken right after the
; first handler's iret, before any other instruction (its frame's EIP is
; the one the first iret returned to). NMIs arrive with interrupts disabled.
%include "machine.inc"

ICR_SELF_NMI equ 0x00044400      ; self shorthand, assert, NMI delivery mode

test_main:
    mov dword [APIC + 0xf0], 0x1ff   ; software-enable the local APIC
    SET_GATE 2, nmi_handler
    mov dword [APIC + 0x300], ICR_SELF_NMI
    mov ecx, 1000000
.wait:
    cmp dword [nmi_count], 2
    je .both
    dec ecx
    jnz .wait
    mov eax, 1                   ; the NMIs never came
    jmp fail
.both:
    CHECK dword [count_in_handler], 1, 2   ; the nested NMI waited for the iret
    CHECK dword [second_depth], 0, 3       ; and did not run inside the first handler
    mov eax, [first_eip]
    CHECK [second_eip], eax, 4             ; taken right after the iret, at the EIP it returned to
    PASS

nmi_handler:
    push dword [esp]
    inc dword [depth]
    inc dword [nmi_count]
    cmp dword [nmi_count], 1
    jne .second
    pop dword [first_eip]
    mov dword [APIC + 0x300], ICR_SELF_NMI
    mov ecx, 20000               ; ten slices of the machine's scheduler
.spin:
    dec ecx
    jnz .spin
    mov eax, [nmi_count]
    mov [count_in_handler], eax
    dec dword [depth]
    iretd
.second:
    pop dword [second_eip]
    mov eax, [depth]
    dec eax
    mov [second_depth], eax
    dec dword [depth]
    iretd

nmi_count:        dd 0
count_in_handler: dd 0
depth:            dd 0
second_depth:     dd 0xff
first_eip:        dd 0
second_eip:       dd 1
END_IMAGE
