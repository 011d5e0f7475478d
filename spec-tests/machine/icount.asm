; --icount SHIFT: guest time advances 2^SHIFT cycles per instruction, and
; every clock agrees: the TSC across a loop of known length grows by its
; instruction count times 2^SHIFT, and the HPET counter (100 MHz against
; the 1 GHz cycle clock) by a tenth of that. The command line's last digit
; is the SHIFT the boot was given.
; vmidbt-run: --append shift=0
; vmidbt-run: --icount 5 --append shift=5
%include "machine.inc"

HPET  equ 0xfed00000
LOOPS equ 20000

test_main:
    call cmdline_digit
    mov [shift], eax
    mov dword [HPET + 0x10], 1           ; start the HPET counter
    mov ebx, [HPET + 0xf0]
    rdtsc
    mov esi, eax
    mov ecx, LOOPS
.spin:
    dec ecx
    jnz .spin
    rdtsc
    mov edi, [HPET + 0xf0]
    sub eax, esi
    sub edi, ebx
    ; from the first rdtsc to the second: mov, mov, LOOPS x (dec, jnz) and the rdtsc itself
    mov ecx, [shift]
    shr eax, cl
    cmp eax, 2 * LOOPS + 1
    jb .tsc_bad
    cmp eax, 2 * LOOPS + 4
    ja .tsc_bad
    ; HPET ticks x 10 = cycles, to within the reads around the rdtscs
    mov eax, edi
    imul eax, 10
    shr eax, cl
    cmp eax, 2 * LOOPS - 16
    jb .hpet_bad
    cmp eax, 2 * LOOPS + 16
    ja .hpet_bad
    PASS
.tsc_bad:
    mov eax, 1
    jmp fail
.hpet_bad:
    mov eax, 2
    jmp fail

shift: dd 0
END_IMAGE
