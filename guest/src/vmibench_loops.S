/* vmidbt guest: the loops of the privileged-operation microbenchmarks
   (driven by vmibench.c, selected with `vmibench` on the command line).

   Each loop is `void vb_<mode>_<op>(u32 iterations)`: the operation's body
   repeated, then `dec %edi; jnz`. `vb_n_*` is the native form (the
   instruction itself, kernel at CPL 0), `vb_v_*` the paravirtual form (a
   direct call to the ROM slot of the VMI call doing the same, kernel at CPL
   1), `vb_empty` the bare loop both are measured against. A VMI call site
   is written `VMICALL n` (n: the proposal's call number): a `call rel32`
   that vmibench.c patches to the ROM slot once the ROM is linked, the way a
   paravirtual kernel patches its call sites; until then it reaches
   vb_unpatched, which panics. EDI counts iterations and EBX holds vb_batch:
   both survive every VMI call (EAX, ECX, EDX do not).

   The ring-crossing loops leave to CPL 3 (IRET or SYSEXIT) at a landing
   point in user.c that comes straight back (int $0x81 or SYSENTER). For
   that round trip to end where it began, vb_ring_stack (C) points the
   TSS's kernel stack and SYSENTER_ESP at the loop's own stack, and the
   entry points below drop the interrupt frame and jump to vb_cont, the
   loop's continuation. DS/ES/FS/GS hold the flat user data selector for the
   loop's duration (usable at every level), so leaving to CPL 3 does not
   null them. */

#define SEL_UCODE 0x1B
#define SEL_UDATA 0x23
#define USER_ESP 0xBFFFE000
#define APIC_VA 0xFBFFF000

/* VMI calls, the proposal's numbers (ABI.md section 5) */
#define VMI_CPUID 5
#define VMI_SetCR3 22
#define VMI_GetCR2 25
#define VMI_GetCR3 26
#define VMI_EnableInterrupts 35
#define VMI_DisableInterrupts 36
#define VMI_IRET 39
#define VMI_SYSEXIT 40
#define VMI_SetPxE 45
#define VMI_InvalPage 55
#define VMI_FlushTLB 56
#define VMI_INB 60
#define VMI_OUTB 66
#define VMI_APICWrite 76
#define VMI_GetCycleCounter 80
#define VMI_SetDeferredMode 88

/* the call-site table: (address of the call or jmp, call number) */
    .section .rodata.vmibench, "a"
    .align 4
    .globl vb_sites_start
vb_sites_start:

.macro VMICALL n
771: call vb_unpatched
    .pushsection .rodata.vmibench, "a"
    .long 771b, \n
    .popsection
.endm
/* IRET and SYSEXIT are jumped to, never called */
.macro VMIJMP n
772: jmp vb_unpatched
    .pushsection .rodata.vmibench, "a"
    .long 772b, \n
    .popsection
.endm

/* entry: a global, aligned function saving the registers the C caller keeps */
.macro ENTRY name
    .text
    .globl \name
    .p2align 4
\name:
    pushl %ebp
    pushl %ebx
    pushl %esi
    pushl %edi
.endm
.macro LEAVE
    popl %edi
    popl %esi
    popl %ebx
    popl %ebp
    ret
.endm
/* the loop head: EDI iterations (none: straight to the exit at 9:) */
.macro HEAD
    testl %edi, %edi
    jz 9f
    .p2align 4
1:
.endm

.macro LOOP name
    ENTRY \name
    movl 20(%esp), %edi
    movl vb_batch, %ebx
    HEAD
.endm
.macro ENDLOOP
    decl %edi
    jnz 1b
9:  LEAVE
.endm

/* ring-crossing loops: the body ends in IRET or SYSEXIT; the way back lands at 2: */
.macro RING name
    ENTRY \name
    pushl %ds
    pushl %es
    pushl %fs
    pushl %gs
    movl 36(%esp), %edi
    movl $2f, vb_cont
    movl $SEL_UDATA, %eax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %fs
    movw %ax, %gs
    movl %esp, %eax
    pushl %eax
    call vb_ring_stack
    addl $4, %esp
    HEAD
.endm
.macro ENDRING
2:  decl %edi
    jnz 1b
9:  popl %gs
    popl %fs
    popl %es
    popl %ds
    LEAVE
.endm

    .text
    .globl vb_ret
vb_ret:
    ret

    .globl vb_ring_int
vb_ring_int:                          /* int $0x81 from CPL 3: drop EIP CS EFLAGS ESP SS */
    addl $20, %esp
    jmp *vb_cont
    .globl vb_sysenter_entry
vb_sysenter_entry:                    /* SYSENTER: ESP is already the loop's */
    jmp *vb_cont

/* ---------------- units and the empty loop ---------------- */
LOOP vb_empty
ENDLOOP

LOOP vb_n_callret
    call vb_ret
ENDLOOP

LOOP vb_n_add                        /* 8 per iteration */
    .rept 8
    addl %ecx, %edx
    .endr
ENDLOOP

/* ---------------- interrupt flag ---------------- */
LOOP vb_n_irq_off
    cli
ENDLOOP
LOOP vb_v_irq_off
    VMICALL VMI_DisableInterrupts
ENDLOOP

LOOP vb_n_irq_on
    sti
ENDLOOP
LOOP vb_v_irq_on
    VMICALL VMI_EnableInterrupts
ENDLOOP

/* ---------------- control registers ---------------- */
LOOP vb_n_read_cr2
    movl %cr2, %eax
ENDLOOP
LOOP vb_v_read_cr2
    VMICALL VMI_GetCR2
ENDLOOP

LOOP vb_n_read_cr3
    movl %cr3, %eax
ENDLOOP
LOOP vb_v_read_cr3
    VMICALL VMI_GetCR3
ENDLOOP

/* an address-space switch there and back: 2 per iteration */
LOOP vb_n_write_cr3
    movl vb_cr3a, %eax
    movl %eax, %cr3
    movl vb_cr3b, %eax
    movl %eax, %cr3
ENDLOOP
LOOP vb_v_write_cr3
    movl vb_cr3a, %eax
    VMICALL VMI_SetCR3
    movl vb_cr3b, %eax
    VMICALL VMI_SetCR3
ENDLOOP

/* ---------------- page tables ---------------- */
/* the PTE at EDX (vb_pte) set to \val, then its page invalidated; EAX ends as vb_va */
.macro N_PTE val
    movl \val, %eax
    movl %eax, (%edx)
    movl vb_va, %eax
    invlpg (%eax)
.endm
/* the same through SetPxE and InvalPage (EDX does not survive the calls) */
.macro V_PTE val
    movl \val, %eax
    movl vb_pte, %edx
    VMICALL VMI_SetPxE
    movl vb_va, %eax
    VMICALL VMI_InvalPage
.endm

/* one PTE rewritten (between two frames) and its page invalidated: 2 per iteration */
LOOP vb_n_pte_invlpg
    movl vb_pte, %edx
    N_PTE vb_val_a
    N_PTE vb_val_b
ENDLOOP
LOOP vb_v_pte_invlpg
    V_PTE vb_val_a
    V_PTE vb_val_b
ENDLOOP

/* the same, then a read through the new mapping: 2 per iteration */
LOOP vb_n_pte_round
    movl vb_pte, %edx
    N_PTE vb_val_a
    addl (%eax), %esi
    N_PTE vb_val_b
    addl (%eax), %esi
ENDLOOP
LOOP vb_v_pte_round
    V_PTE vb_val_a
    movl vb_va, %eax
    addl (%eax), %esi
    V_PTE vb_val_b
    movl vb_va, %eax
    addl (%eax), %esi
ENDLOOP

/* 64 PTEs rewritten, then one TLB flush (natively deferral is nothing to do) */
LOOP vb_n_batch64
    movl vb_bval, %eax
    .set k, 0
    .rept 64
    movl %eax, k(%ebx)
    .set k, k + 4
    .endr
    movl %cr3, %ecx
    movl %ecx, %cr3
    xorl vb_bxor, %eax
    movl %eax, vb_bval
ENDLOOP

.macro BATCH64_CALLS
    .set k, 0
    .rept 64
    movl vb_bval, %eax
    leal k(%ebx), %edx
    VMICALL VMI_SetPxE
    .set k, k + 4
    .endr
    movl $1, %eax
    VMICALL VMI_FlushTLB
.endm
.macro BATCH64_TOGGLE
    movl vb_bval, %eax
    xorl vb_bxor, %eax
    movl %eax, vb_bval
.endm

LOOP vb_v_batch64
    BATCH64_CALLS
    BATCH64_TOGGLE
ENDLOOP
/* deferred: SetDeferredMode(MMU), the batch, the flush (which applies the queue), SetDeferredMode(NONE) */
LOOP vb_v_batch64_deferred
    movl $1, %eax
    VMICALL VMI_SetDeferredMode
    BATCH64_CALLS
    xorl %eax, %eax
    VMICALL VMI_SetDeferredMode
    BATCH64_TOGGLE
ENDLOOP

LOOP vb_n_flush_tlb
    movl %cr3, %eax
    movl %eax, %cr3
ENDLOOP
LOOP vb_v_flush_tlb
    movl $1, %eax
    VMICALL VMI_FlushTLB
ENDLOOP

/* ---------------- local APIC ---------------- */
LOOP vb_n_apic_eoi
    movl $0, APIC_VA + 0xB0
ENDLOOP
LOOP vb_v_apic_eoi
    movl $0xFEE000B0, %eax
    xorl %edx, %edx
    VMICALL VMI_APICWrite
ENDLOOP

LOOP vb_n_apic_tpr
    movl $0, APIC_VA + 0x80
ENDLOOP
LOOP vb_v_apic_tpr
    movl $0xFEE00080, %eax
    xorl %edx, %edx
    VMICALL VMI_APICWrite
ENDLOOP

/* ---------------- port I/O (port 0x80, the POST port) ---------------- */
LOOP vb_n_port_in
    inb $0x80, %al
ENDLOOP
LOOP vb_v_port_in
    movl $0x80, %edx
    VMICALL VMI_INB
ENDLOOP

LOOP vb_n_port_out
    xorl %eax, %eax
    outb %al, $0x80
ENDLOOP
LOOP vb_v_port_out
    xorl %eax, %eax
    movl $0x80, %edx
    VMICALL VMI_OUTB
ENDLOOP

/* ---------------- IRET and SYSEXIT ---------------- */
/* IRET to the same level (interrupts stay off) */
LOOP vb_n_iret_same
    pushl $0x2
    pushl %cs
    pushl $3f
    iret
3:
ENDLOOP
LOOP vb_v_iret_same
    pushl $0x2
    pushl %cs
    pushl $3f
    VMIJMP VMI_IRET
3:
ENDLOOP

/* IRET to CPL 3, back through int $0x81 */
RING vb_n_iret_user
    pushl $SEL_UDATA
    pushl $USER_ESP
    pushl $0x202
    pushl $SEL_UCODE
    pushl $u_vb_int
    iret
ENDRING
RING vb_v_iret_user
    pushl $SEL_UDATA
    pushl $USER_ESP
    pushl $0x202
    pushl $SEL_UCODE
    pushl $u_vb_int
    VMIJMP VMI_IRET
ENDRING

/* SYSEXIT to CPL 3, back through SYSENTER */
RING vb_n_sysexit
    movl $u_vb_sysenter, %edx
    movl $USER_ESP, %ecx
    sysexit
ENDRING
RING vb_v_sysexit
    movl $u_vb_sysenter, %edx
    movl $USER_ESP, %ecx
    VMIJMP VMI_SYSEXIT
ENDRING

/* ---------------- cpuid, time stamp ---------------- */
LOOP vb_n_cpuid
    xorl %eax, %eax
    xorl %ecx, %ecx
    cpuid
ENDLOOP
LOOP vb_v_cpuid
    xorl %eax, %eax
    xorl %ecx, %ecx
    VMICALL VMI_CPUID
ENDLOOP

LOOP vb_n_rdtsc
    rdtsc
ENDLOOP
LOOP vb_v_rdtsc
    xorl %eax, %eax                   /* real time */
    VMICALL VMI_GetCycleCounter
ENDLOOP

    .section .rodata.vmibench, "a"
    .globl vb_sites_end
vb_sites_end:
