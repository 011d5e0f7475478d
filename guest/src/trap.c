/* vmidbt guest: descriptor tables (through the ops table) and trap dispatch. */
#include "kernel.h"

extern u32 vectors[];
extern u32 kernel_cs_sel, kernel_ds_sel;
void reload_segments(void);

static u32 idt[512] __attribute__((aligned(4096)));   /* 256 gates */
static u32 gdts[MAX_CPUS][1024] __attribute__((aligned(4096)));
static union { struct tss t; u8 page[4096]; } tsses[MAX_CPUS] __attribute__((aligned(4096)));

static void seg_desc(u32 base, u32 limit, u32 type, u32 dpl, u32 gran, u32 *lo, u32 *hi) {
    *lo = (limit & 0xFFFF) | (base << 16);
    *hi = ((base >> 16) & 0xFF) | (type << 8) | (1u << 12) | (dpl << 13) | (1u << 15) |
          (limit & 0xF0000) | (gran ? 0xC00000 : 0x400000) | (base & 0xFF000000);
}

/* Build this CPU's GDT through WriteGDTEntry, load it, load the TSS. The
   kernel runs at kernel_rpl (0 native, 1 paravirtual), so kernel
   descriptors carry DPL = kernel_rpl and selectors RPL = kernel_rpl. */
u32 sysenter_slot[MAX_CPUS];     /* per CPU: kernel stack top of the current process */
bool use_sysenter;
extern void sysenter_entry(void);

void sysenter_init(int cpu) {
    if (!use_sysenter) return;
    pv.wrmsr(0x174, SEL_KCODE | kernel_rpl);          /* IA32_SYSENTER_CS */
    pv.wrmsr(0x175, (u32)&sysenter_slot[cpu]);        /* IA32_SYSENTER_ESP */
    pv.wrmsr(0x176, (u32)sysenter_entry);             /* IA32_SYSENTER_EIP */
}

void cpu_tables_init(int cpu) {
    u32 *gdt = gdts[cpu];
    u32 lo, hi, k = kernel_rpl;
    /* limit: 4 GiB natively; in paravirtual mode the hypervisor truncates it */
    seg_desc(0, 0xFFFFF, 0xA, k, 1, &lo, &hi); pv.write_gdt_entry(gdt, 1, lo, hi);
    seg_desc(0, 0xFFFFF, 0x2, k, 1, &lo, &hi); pv.write_gdt_entry(gdt, 2, lo, hi);
    seg_desc(0, 0xFFFFF, 0xA, 3, 1, &lo, &hi); pv.write_gdt_entry(gdt, 3, lo, hi);
    seg_desc(0, 0xFFFFF, 0x2, 3, 1, &lo, &hi); pv.write_gdt_entry(gdt, 4, lo, hi);
    struct tss *t = &tsses[cpu].t;
    /* the TSS is not live yet: initialize it, then only UpdateKernelStack */
    memset(t, 0, sizeof *t);
    t->ss0 = SEL_KDATA | k;
    t->ss1 = SEL_KDATA | k;
    t->iomap = sizeof(struct tss);
    u32 tb = (u32)t, tl = sizeof(struct tss) - 1;
    lo = (tl & 0xFFFF) | (tb << 16);
    hi = ((tb >> 16) & 0xFF) | (0x9u << 8) | (1u << 15) | (tb & 0xFF000000);  /* available 32-bit TSS, DPL 0 */
    pv.write_gdt_entry(gdt, 5, lo, hi);
    struct dtr d = { .limit = 6 * 8 - 1, .base = (u32)gdt };
    kernel_cs_sel = SEL_KCODE | k;
    kernel_ds_sel = SEL_KDATA | k;
    pv.set_gdt(&d);
    reload_segments();
    pv.set_tr(SEL_TSS);
    pv.set_ldt(0);
    struct dtr id = { .limit = 256 * 8 - 1, .base = (u32)idt };
    pv.set_idt(&id);
    cpus[cpu].tss = t;
    cpus[cpu].gdt = gdt;
    sysenter_init(cpu);
}

/* interrupt gates everywhere (IF cleared on entry: the kernel runs with
   interrupts off); int 0x80 callable from CPL 3 */
void idt_set_gate(u32 v, u32 handler, u32 dpl) {
    u32 lo = (handler & 0xFFFF) | ((SEL_KCODE | kernel_rpl) << 16);
    u32 hi = (handler & 0xFFFF0000) | 0x8E00 | (dpl << 13);
    pv.write_idt_entry(idt, v, lo, hi);
}
void idt_reset_gate(u32 v) { idt_set_gate(v, vectors[v], v == T_SYSCALL ? 3 : 0); }
void idt_build(void) {
    for (u32 v = 0; v < 256; v++) idt_reset_gate(v);
}

static const char *trapname(u32 n) {
    static const char *names[] = { "#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "?",
                                   "#TS", "#NP", "#SS", "#GP", "#PF", "?", "#MF", "#AC", "#MC", "#XM" };
    return n < 20 ? names[n] : "irq";
}

static void dump_and_die(struct trapframe *tf, const char *why) {
    kprintf("trap %u (%s) err=0x%x eip=0x%x cs=0x%x eflags=0x%x cr2=0x%x cpu=%d\n",
            tf->trapno, trapname(tf->trapno), tf->err, tf->eip, tf->cs, tf->eflags,
            tf->trapno == T_PGFLT ? pv_read_cr2() : 0, cpu_index());
    kprintf("eax=%x ebx=%x ecx=%x edx=%x esi=%x edi=%x ebp=%x\n",
            tf->eax, tf->ebx, tf->ecx, tf->edx, tf->esi, tf->edi, tf->ebp);
    panic("%s", why);
}

void trap(struct trapframe *tf) {
    bool user = (tf->cs & 3) == 3;        /* never test RPL == 0 (ABI 2) */
    struct cpu *c = mycpu();
    struct proc *p = c->proc;
    switch (tf->trapno) {
    case T_SYSCALL:
        if (!user || !p) dump_and_die(tf, "int 0x80 from the kernel");
        p->tf = tf;
        syscall(tf);
        break;
    case T_PGFLT: {
        u32 va = pv_read_cr2();
        if (!user || !p) dump_and_die(tf, "kernel page fault");
        if (mm_fault(p->mm, va, tf->err) < 0) {
            kprintf("user fault at 0x%x eip=0x%x err=%x pid %d: killed\n", va, tf->eip, tf->err, p->pid);
            proc_exit(-1);
        }
        break;
    }
    case T_TIMER:
        c->ticks++;
        apic_eoi();
        if (user && p && ++p->slice >= 2) { p->slice = 0; yield(); }
        break;
    case T_IPI_WAKE:
        apic_eoi();
        break;
    case T_IPI_TLB:
        tlb_ipi_handler();
        apic_eoi();
        break;
    case T_SPURIOUS:
    case 0x27: case 0x2F:     /* legacy PIC spurious */
        break;
    default:
        if (tf->trapno >= 0x20 && tf->trapno < 0x30) break;   /* masked legacy PIC */
        if (user && p) {
            kprintf("user trap %u (%s) eip=0x%x pid %d: killed\n", tf->trapno, trapname(tf->trapno), tf->eip, p->pid);
            proc_exit(-1);
        }
        dump_and_die(tf, "unexpected trap");
    }
}
