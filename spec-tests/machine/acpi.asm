; ACPI beyond the MADT: the FADT names a 64-byte aligned FACS and a DSDT,
; its PM timer block is a running 24-bit (or 32-bit, per the FADT flag)
; counter at 3.579545 MHz, its PM1a control block reads SCI_EN set (no
; SMI_CMD port: the machine is always in ACPI mode); the RSDT names an HPET table only when the
; machine has one (--machine hpet=off leaves both out: the command line's
; last digit says which the boot expects).
; vmidbt-run: --append hpet=1
; vmidbt-run: --machine hpet=off --append hpet=0
%include "machine.inc"

test_main:
    mov eax, 'FACP'
    call find_table
    test edi, edi
    jnz .fadt
    mov eax, 1
    jmp fail
.fadt:
    mov ebx, edi
    mov esi, [ebx + 36]                  ; FIRMWARE_CTRL
    CHECK dword [esi], 'FACS', 2
    test esi, 63
    jz .aligned
    mov eax, 3
    jmp fail
.aligned:
    CHECK dword [esi + 4], 64, 4          ; the FACS's length
    mov esi, [ebx + 40]                   ; DSDT
    CHECK dword [esi], 'DSDT', 5
    ; the PM timer: it runs while the guest does (guest time counts instructions)
    mov edx, [ebx + 76]                   ; PM_TMR_BLK
    in eax, dx
    mov esi, eax
    mov ecx, 100000
.spin: loop .spin
    in eax, dx
    sub eax, esi
    test dword [ebx + 112], 1 << 8        ; TMR_VAL_EXT: 32 bits, else 24
    jnz .wide
    and eax, 0xffffff
.wide:
    ; 100,000 iterations of loop take 100 us or more at 1 GHz: 358 ticks and up
    cmp eax, 358
    jae .ticks
    mov eax, 6
    jmp fail
.ticks:
    mov edx, [ebx + 64]                   ; PM1a_CNT_BLK
    in ax, dx
    and eax, 1
    CHECK eax, 1, 7
    ; the HPET table, present exactly when the machine has an HPET
    mov eax, 'HPET'
    call find_table
    call cmdline_digit
    test edi, edi
    setnz bl
    movzx ebx, bl
    CHECK ebx, eax, 8
    PASS

END_IMAGE
