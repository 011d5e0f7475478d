/* A pass-through VMI ROM for testing the guest's paravirtual path on QEMU.
 *
 * It is NOT a hypervisor: every call simply executes the native instruction
 * at the caller's privilege (Init leaves the kernel at CPL 0), so it checks
 * the guest's side of the contract (ROM detection, slot numbers, regparm(3)
 * argument registers, IRET by jump, deferred-mode bracketing) but not
 * deprivileging. Load it with `qemu-system-i386 -option-rom fakevmi.rom`;
 * SeaBIOS copies it into the option-ROM area after the VGA BIOS.
 * Limits: SetInitialAPState starts APs through its own real-mode trampoline
 * at 0x8000 (one AP at a time); APICRead and
 * APICWrite go through the guest's APIC window at 0xFBFFF000; alarms use the
 * local APIC timer with a nominal 1 GHz cycle counter (rdtsc).
 * Layout per ABI.md section 3; call N is the 32-byte slot at offset N*32,
 * version 13.4 (vmirom/README.md): 13.3's GetRelocationInfo, SetPxE and
 * SetPxELong with flags at 85..87, SetDeferredMode at 88. */
#define ROM_SIZE 8192
#define APIC_WIN 0xFBFFF000

    .code32
    .text
rom:
    .byte 0x55, 0xAA
    .byte ROM_SIZE / 512
    lret                           /* romEntry: far return (BIOS init stub) */
    .org 8
    .long 0x696D5663               /* "cVmi" */
    .byte 4                        /* minor: 13.4, the proposal with 13.3's calls 85..87 and SetDeferredMode at 88 */
    .byte 13                       /* major */
    .org 0x18
    .word 0                        /* pciHeaderOffset */
    .word 0                        /* pnpHeaderOffset */

.macro SLOT n
    .org (\n) * 32, 0xCC
.endm

SLOT 4   /* Init */
    xorl %eax, %eax
    ret
SLOT 5   /* CPUID */
    cpuid
    ret
SLOT 6   /* WRMSR */
    wrmsr
    ret
SLOT 7   /* RDMSR */
    rdmsr
    ret
SLOT 8   /* SetGDT */
    lgdt (%eax)
    ret
SLOT 9   /* SetLDT */
    lldt %ax
    ret
SLOT 10  /* SetIDT */
    lidt (%eax)
    ret
SLOT 11  /* SetTR */
    ltr %ax
    ret
SLOT 12  /* GetGDT */
    sgdt (%eax)
    ret
SLOT 13  /* GetLDT */
    xorl %eax, %eax
    sldt %ax
    ret
SLOT 14  /* GetIDT */
    sidt (%eax)
    ret
SLOT 15  /* GetTR */
    xorl %eax, %eax
    str %ax
    ret
SLOT 16  /* WriteGDTEntry: EAX table, EDX index, ECX low, ST(0) high */
    movl %ecx, (%eax,%edx,8)
    movl 4(%esp), %ecx
    movl %ecx, 4(%eax,%edx,8)
    ret
SLOT 17  /* WriteLDTEntry */
    movl %ecx, (%eax,%edx,8)
    movl 4(%esp), %ecx
    movl %ecx, 4(%eax,%edx,8)
    ret
SLOT 18  /* WriteIDTEntry */
    movl %ecx, (%eax,%edx,8)
    movl 4(%esp), %ecx
    movl %ecx, 4(%eax,%edx,8)
    ret
SLOT 19  /* UpdateKernelStack: EAX tss, EDX esp0 */
    movl %edx, 4(%eax)
    movl %edx, 12(%eax)
    ret
SLOT 20
    movl %eax, %cr0
    ret
SLOT 21
    movl %eax, %cr2
    ret
SLOT 22
    movl %eax, %cr3
    ret
SLOT 23
    movl %eax, %cr4
    ret
SLOT 24
    movl %cr0, %eax
    ret
SLOT 25
    movl %cr2, %eax
    ret
SLOT 26
    movl %cr3, %eax
    ret
SLOT 27
    movl %cr4, %eax
    ret
SLOT 28  /* INVD: not allowed */
    ud2
SLOT 29
    wbinvd
    ret
SLOT 30  /* SetDR */
    ret
SLOT 31  /* GetDR */
    xorl %eax, %eax
    ret
SLOT 32  /* RDPMC */
    xorl %eax, %eax
    xorl %edx, %edx
    ret
SLOT 33
    rdtsc
    ret
SLOT 34
    clts
    ret
SLOT 35  /* EnableInterrupts */
    sti
    ret
SLOT 36  /* DisableInterrupts */
    cli
    ret
SLOT 37  /* GetInterruptMask: flags only, so keep ECX/EDX */
    pushfl
    popl %eax
    andl $0x200, %eax
    ret
SLOT 38  /* SetInterruptMask */
    testl $0x200, %eax
    jz 1f
    sti
    ret
1:  cli
    ret
SLOT 39  /* IRET: the stack is an IRET frame */
    iret
SLOT 40  /* SYSEXIT */
    sti
    sysexit
SLOT 41
    pause
    ret
SLOT 42  /* Halt */
    sti
    hlt
    ret
SLOT 43  /* Reboot */
    ret
SLOT 44  /* Shutdown */
    cli
1:  hlt
    jmp 1b
SLOT 45  /* SetPxE: EAX value, EDX pointer */
    movl %eax, (%edx)
    ret
SLOT 46  /* GetPxE */
    movl (%eax), %eax
    ret
SLOT 47  /* SwapPxE */
    xchgl %eax, (%edx)
    ret
SLOT 48  /* SetPxELong: EDX:EAX, ECX pointer */
    movl %eax, (%ecx)
    movl %edx, 4(%ecx)
    ret
SLOT 49  /* GetPxELong */
    movl 4(%eax), %edx
    movl (%eax), %eax
    ret
SLOT 51  /* TestAndSetPxEBit */
    lock btsl %eax, (%edx)
    sbbl %eax, %eax
    negl %eax
    ret
SLOT 52  /* TestAndClearPxEBit */
    lock btrl %eax, (%edx)
    sbbl %eax, %eax
    negl %eax
    ret
SLOT 53  /* AllocatePage */
    ret
SLOT 54  /* ReleasePage */
    ret
SLOT 55  /* InvalPage */
    invlpg (%eax)
    ret
SLOT 56  /* FlushTLB */
    movl %cr3, %eax
    movl %eax, %cr3
    ret
SLOT 57  /* FlushDeferredCalls */
    ret
SLOT 58  /* SetLinearMapping */
    ret
SLOT 59  /* IN */
    inl %dx, %eax
    ret
SLOT 60  /* INB */
    xorl %eax, %eax
    inb %dx, %al
    ret
SLOT 61  /* INW */
    xorl %eax, %eax
    inw %dx, %ax
    ret
SLOT 62
    rep insl
    ret
SLOT 63
    rep insb
    ret
SLOT 64
    rep insw
    ret
SLOT 65  /* OUT */
    outl %eax, %dx
    ret
SLOT 66  /* OUTB */
    outb %al, %dx
    ret
SLOT 67  /* OUTW */
    outw %ax, %dx
    ret
SLOT 68
    rep outsl
    ret
SLOT 69
    rep outsb
    ret
SLOT 70
    rep outsw
    ret
SLOT 71  /* SetIOPLMask */
    ret
SLOT 75  /* SetInitialAPState: EAX APState, EDX APIC id */
    jmp set_ap_state
SLOT 76  /* APICWrite: EAX register address, EDX value */
    andl $0xFFF, %eax
    movl %edx, APIC_WIN(%eax)
    ret
SLOT 77  /* APICRead */
    andl $0xFFF, %eax
    movl APIC_WIN(%eax), %eax
    ret
SLOT 78  /* IODelay */
    ret
SLOT 79  /* GetCycleFrequency: nominal 1 GHz */
    movl $1000000000, %eax
    xorl %edx, %edx
    ret
SLOT 80  /* GetCycleCounter */
    rdtsc
    ret
SLOT 81  /* SetAlarm */
    jmp set_alarm
SLOT 82  /* CancelAlarm */
    movl $0, APIC_WIN + 0x380
    movl $1, %eax
    ret
SLOT 83  /* GetWallclockTime */
    xorl %eax, %eax
    xorl %edx, %edx
    ret
SLOT 84  /* WallclockUpdated */
    xorl %eax, %eax
    ret
SLOT 85  /* GetRelocationInfo: EAX call -> EAX its address, EDX 1 (CALL_REL) or 0 (NONE) */
    jmp get_reloc
SLOT 86  /* SetPxE with flags: EAX value, EDX pointer, ECX flags */
    movl %eax, (%edx)
    ret
SLOT 87  /* SetPxELong with flags: EDX:EAX, ECX pointer, ST(0) flags */
    movl %eax, (%ecx)
    movl %edx, 4(%ecx)
    ret
SLOT 88  /* SetDeferredMode */
    ret
SLOT 89
/* GetRelocationInfo: calls 4..88 are at this ROM's address (wherever the
   guest mapped it) + N * 32, all CALL_REL. */
get_reloc:
    cmpl $4, %eax
    jb 1f
    cmpl $88, %eax
    ja 1f
    call 2f
2:  popl %ecx
    subl $(2b - rom), %ecx
    shll $5, %eax
    addl %ecx, %eax
    movl $1, %edx
    ret
1:  xorl %edx, %edx
    ret

/* SetAlarm: EAX flags, EDX:ECX expiry (ignored: starts now), ST(0)/ST(1)
   period. Periodic alarms become the APIC timer in periodic mode with
   1 GHz cycles / 16 per tick (QEMU's APIC bus runs at 1 GHz). */
set_alarm:
    movl $3, APIC_WIN + 0x3E0              /* divide by 16 */
    movl APIC_WIN + 0x320, %ecx
    andl $0xFF, %ecx
    testl $0x100, %eax
    jz 1f
    orl $0x20000, %ecx                     /* periodic */
1:  movl %ecx, APIC_WIN + 0x320
    movl 4(%esp), %eax
    shrl $4, %eax
    jnz 2f
    movl $625000, %eax
2:  movl %eax, APIC_WIN + 0x380
    ret

/* SetInitialAPState: copy a real-mode trampoline to physical 0x8000 (the
   guest's SIPI vector 0x08; linear 0x8000 must be identity mapped, as the
   guest's page tables keep it) holding the state to load. One AP at a time. */
#define TR 0x8000
#define TV(x) (TR + ((x) - tr_start))
set_ap_state:
    pushl %esi
    pushl %edi
    pushl %ebx
    movl %eax, %ebx
    call 1f
1:  popl %esi
    addl $(tr_start - 1b), %esi
    movl $TR, %edi
    movl $(tr_end - tr_start), %ecx
    cld
    rep movsb
    movl 0(%ebx), %eax;  movl %eax, TV(tr_cr0)
    movl 8(%ebx), %eax;  movl %eax, TV(tr_cr3)
    movl 12(%ebx), %eax; movl %eax, TV(tr_cr4)
    movl 24(%ebx), %eax; movl %eax, TV(tr_eip)
    movl 28(%ebx), %eax; movl %eax, TV(tr_eflags)
    movl 48(%ebx), %eax; movl %eax, TV(tr_esp)
    movl 64(%ebx), %eax; movl %eax, TV(tr_cs)      /* cs, ss */
    movl 68(%ebx), %eax; movl %eax, TV(tr_ds)      /* ds, es */
    movl 72(%ebx), %eax; movl %eax, TV(tr_fs)      /* fs, gs */
    movw 78(%ebx), %ax;  movw %ax, TV(tr_gdtr)
    movl 80(%ebx), %eax; movl %eax, TV(tr_gdtr) + 2
    movw 88(%ebx), %ax;  movw %ax, TV(tr_idtr)
    movl 84(%ebx), %eax; movl %eax, TV(tr_idtr) + 2
    popl %ebx
    popl %edi
    popl %esi
    ret

    .balign 16
tr_start:
    .code16
    cli
    xorw %ax, %ax
    movw %ax, %ds
    lgdtl TV(tr_bootgdt_desc)
    movl %cr0, %eax
    orl $1, %eax
    movl %eax, %cr0
    ljmpl $0x08, $TV(tr32)
    .code32
tr32:
    movw $0x10, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %ss
    movl TV(tr_cr4), %eax
    movl %eax, %cr4
    movl TV(tr_cr3), %eax
    movl %eax, %cr3
    movl TV(tr_cr0), %eax
    movl %eax, %cr0
    lgdt TV(tr_gdtr)
    lidt TV(tr_idtr)
    movw TV(tr_es), %es
    movw TV(tr_fs), %fs
    movw TV(tr_gs), %gs
    movw TV(tr_ss), %ss
    movl TV(tr_esp), %esp
    movzwl TV(tr_cs), %eax
    pushl %eax
    pushl TV(tr_eip)
    pushl TV(tr_eflags)
    movw TV(tr_ds), %ds
    popfl
    lret
    .balign 8
tr_bootgdt:
    .quad 0
    .quad 0x00CF9A000000FFFF
    .quad 0x00CF92000000FFFF
tr_bootgdt_desc:
    .word 23
    .long TV(tr_bootgdt)
tr_cr0:    .long 0
tr_cr3:    .long 0
tr_cr4:    .long 0
tr_eip:    .long 0
tr_eflags: .long 0
tr_esp:    .long 0
tr_cs:     .word 0
tr_ss:     .word 0
tr_ds:     .word 0
tr_es:     .word 0
tr_fs:     .word 0
tr_gs:     .word 0
tr_gdtr:   .word 0
           .long 0
tr_idtr:   .word 0
           .long 0
tr_end:

    .org ROM_SIZE - 1, 0
    .byte 0                                /* checksum, patched by romsum */
