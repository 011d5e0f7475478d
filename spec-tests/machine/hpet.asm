; The HPET: its capabilities (3 timers, 64-bit counter, legacy routing,
; vendor 8086, 10 ns period) and the ACPI table naming it at 0xFED00000;
; the counter stands still until enabled, then runs; a one-shot comparator
; (timer 2) interrupts through IO-APIC pin 20 once the counter reaches it;
; and with legacy routing a periodic timer 0 is IRQ 0 (IO-APIC pin 2).
; vmidbt-run: --slice 2000
; vmidbt-run: --slice 1000000
%include "machine.inc"

HPET    equ 0xfed00000
IOAPIC  equ 0xfec00000

%macro REDIRECT 2                ; REDIRECT pin, vector: fixed, edge, physical to APIC 0, unmasked
    mov dword [IOAPIC], 0x10 + 2*(%1)
    mov dword [IOAPIC + 0x10], %2
    mov dword [IOAPIC], 0x11 + 2*(%1)
    mov dword [IOAPIC + 0x10], 0
%endmacro

test_main:
    CHECK dword [HPET], 0x8086a201, 1
    CHECK dword [HPET + 4], 10000000, 2
    ; the RSDT names an HPET table with this base
    mov eax, 'HPET'
    call find_table
    test edi, edi
    jnz .found
    mov eax, 3
    jmp fail
.found:
    CHECK dword [edi + 44], HPET, 4
    CHECK dword [edi + 36], 0x8086a201, 5
    ; stopped until enabled
    CHECK dword [HPET + 0xf0], 0, 6
    mov dword [HPET + 0x10], 1
    mov ebx, [HPET + 0xf0]
    mov ecx, 1000
.spin: loop .spin
    mov eax, [HPET + 0xf0]
    cmp eax, ebx
    ja .runs
    mov eax, 7
    jmp fail
.runs:
    ; timer 2, one-shot through IO-APIC pin 20
    mov dword [APIC + 0xf0], 0x1ff
    SET_GATE 0x40, one_shot
    SET_GATE 0x41, tick
    REDIRECT 20, 0x40
    mov dword [HPET + 0x140], (20 << 9) | 4
    mov eax, [HPET + 0xf0]
    add eax, 1000                ; 10 us ahead
    mov [deadline], eax
    mov dword [HPET + 0x14c], 0
    mov [HPET + 0x148], eax
    sti
    mov ecx, 1000000
.wait1:
    cmp dword [fired], 0
    jne .fired
    loop .wait1
    mov eax, 8
    jmp fail
.fired:
    cli
    CHECK dword [fired], 1, 9
    mov eax, [fired_at]
    cmp eax, [deadline]
    jae .late_enough
    mov eax, 10
    jmp fail
.late_enough:
    ; legacy routing: periodic timer 0 is IRQ 0, IO-APIC pin 2
    REDIRECT 2, 0x41
    mov dword [HPET + 0x10], 3
    ; periodic with interrupts: VAL_SET before each half of the first expiry, then the period
    mov dword [HPET + 0x100], 0x4c
    mov eax, [HPET + 0xf0]
    add eax, 500
    mov [HPET + 0x108], eax
    mov dword [HPET + 0x100], 0x4c
    mov dword [HPET + 0x10c], 0
    mov dword [HPET + 0x108], 500
    mov dword [HPET + 0x10c], 0
    mov ebx, [HPET + 0xf0]
    sti
    mov ecx, 1000000
.wait2:
    cmp dword [ticks], 3
    jae .ticked
    loop .wait2
    mov eax, 11
    jmp fail
.ticked:
    cli
    mov dword [HPET + 0x100], 0
    mov eax, [HPET + 0xf0]
    sub eax, ebx
    cmp eax, 3*500 - 500
    jae .periodic
    mov eax, 12                  ; three ticks came too soon
    jmp fail
.periodic:
    PASS

one_shot:
    push eax
    mov eax, [HPET + 0xf0]
    mov [fired_at], eax
    inc dword [fired]
    mov dword [APIC + 0xb0], 0
    pop eax
    iretd

tick:
    inc dword [ticks]
    mov dword [APIC + 0xb0], 0
    iretd

fired:    dd 0
fired_at: dd 0
deadline: dd 0
ticks:    dd 0
END_IMAGE
