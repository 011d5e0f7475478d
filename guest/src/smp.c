/* vmidbt guest: local APIC, timer, CPU discovery (ACPI MADT or cpus=N),
 * AP start-up (INIT/SIPI trampoline natively; SetInitialAPState + INIT/SIPI
 * in paravirtual mode, ABI section 7), IPIs and TLB shootdown. */
#include "kernel.h"

struct cpu cpus[MAX_CPUS];
int ncpu = 1;                    /* CPUs known (BSP first) */
volatile int cpus_online = 1;
bool has_apic;
static bool apic_ready;
static u8 apic_to_idx[256];
static u32 apic_ids[MAX_CPUS];

#define LAPIC_ID 0x20
#define LAPIC_TPR 0x80
#define LAPIC_EOI 0xB0
#define LAPIC_SVR 0xF0
#define LAPIC_ICRLO 0x300
#define LAPIC_ICRHI 0x310
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_LVT_LINT0 0x350
#define LAPIC_LVT_LINT1 0x360
#define LAPIC_LVT_ERR 0x370
#define LAPIC_TICR 0x380
#define LAPIC_TDCR 0x3E0

u32 apic_id_read(void) { return has_apic ? pv_apic_read(LAPIC_ID) >> 24 : 0; }

int cpu_index(void) {
    if (!apic_ready) return 0;
    return apic_to_idx[apic_id_read() & 0xFF];
}
struct cpu *mycpu(void) { return &cpus[cpu_index()]; }

void apic_eoi(void) { if (has_apic) pv_apic_write(LAPIC_EOI, 0); }

static void icr_wait(void) {
    for (int i = 0; i < 1000000 && (pv_apic_read(LAPIC_ICRLO) & 0x1000); i++) pv_pause();
}
static void icr_send(u32 hi, u32 lo) {
    icr_wait();
    pv_apic_write(LAPIC_ICRHI, hi);
    pv_apic_write(LAPIC_ICRLO, lo);
    icr_wait();
}
void apic_send_ipi(u32 apic_id, u32 vector) { icr_send(apic_id << 24, 0x4000 | vector); }
void apic_send_ipi_all_but_self(u32 vector) {
    if (cpus_online > 1) icr_send(0, 0xC4000 | vector);
}

static void pic_disable(void) {
    /* remap the 8259s to 0x20/0x28 and mask everything */
    pv.outb(0x11, 0x20); pv.outb(0x11, 0xA0);
    pv.outb(0x20, 0x21); pv.outb(0x28, 0xA1);
    pv.outb(0x04, 0x21); pv.outb(0x02, 0xA1);
    pv.outb(0x01, 0x21); pv.outb(0x01, 0xA1);
    pv.outb(0xFF, 0x21); pv.outb(0xFF, 0xA1);
}

void apic_init_cpu(void) {
    if (!has_apic) return;
    pv_apic_write(LAPIC_SVR, 0x100 | T_SPURIOUS);
    pv_apic_write(LAPIC_TPR, 0);
    pv_apic_write(LAPIC_LVT_ERR, 0x10000);
}

void apic_init_bsp(void) {
    u32 r[4];
    pv.cpuid(1, 0, r);
    has_apic = vmi_active || (r[3] & (1u << 9));
    pic_disable();
    if (!has_apic) { kprintf("no local APIC: single CPU, no timer\n"); return; }
    if (!vmi_active) {
        u64 base = pv.rdmsr(0x1B);
        pv.wrmsr(0x1B, base | 0x800);                   /* global enable */
        fixmap_set(APIC_VA, (u32)base & 0xFFFFF000u, PTE_W | PTE_PCD | 0x8 /* PWT */);
    } else {
        /* not used by the kernel in paravirtual mode (APICRead/APICWrite);
           mapped so a pass-through test ROM can reach the APIC */
        fixmap_set(APIC_VA, 0xFEE00000u, PTE_W | PTE_PCD | 0x8);
    }
    apic_init_cpu();
    cpus[0].apic_id = apic_id_read();
    apic_to_idx[cpus[0].apic_id] = 0;
    apic_ready = true;
}

/* ---------------------------- timer ---------------------------- */
static void timer_start_cpu(void) {
    if (!has_apic) return;
    if (vmi_active) {
        /* VMI alarm on real time, periodic, delivered through the APIC timer LVT vector */
        pv_apic_write(LAPIC_LVT_TIMER, T_TIMER);
        u64 f = pv.cycle_frequency();
        u64 period = f / 100;
        if (!period) period = 1000000;
        pv.set_alarm(0x100 | 0x10000, pv_cycle_counter() + period, period);
    } else {
        pv_apic_write(LAPIC_TDCR, 0x3);                 /* divide by 16 */
        pv_apic_write(LAPIC_LVT_TIMER, T_TIMER | (1u << 17));   /* periodic */
        pv_apic_write(LAPIC_TICR, 625000);              /* ~10 ms on QEMU's 1 GHz APIC bus */
    }
}
void timer_start(void) { timer_start_cpu(); }
/* silence this CPU's timer (the microbenchmarks run without interrupts); timer_start resumes it */
void timer_stop(void) {
    if (!has_apic) return;
    if (vmi_active) pv.cancel_alarm(0);
    pv.apic_write(LAPIC_LVT_TIMER, T_TIMER | 0x10000);   /* masked */
}

/* ----------------------- CPU discovery ----------------------- */
static const u8 *find_rsdp(void) {
    u32 ebda = (u32)(*(const u16 *)P2V(0x40E)) << 4;
    u32 ranges[2][2] = { { ebda, ebda + 1024 }, { 0xE0000, 0x100000 } };
    for (int r = 0; r < 2; r++) {
        if (ranges[r][0] < 0x80000 && r == 0 && ebda == 0) continue;
        for (u32 a = ranges[r][0]; a + 20 <= ranges[r][1]; a += 16) {
            const u8 *p = P2V(a);
            if (memcmp(p, "RSD PTR ", 8)) continue;
            u8 s = 0;
            for (int i = 0; i < 20; i++) s += p[i];
            if (!s) return p;
        }
    }
    return NULL;
}

static int madt_cpus(void) {
    const u8 *rsdp = find_rsdp();
    if (!rsdp) return 0;
    u32 rsdt = *(const u32 *)(rsdp + 16);
    if (rsdt >= phys_map_top) return 0;
    const u8 *t = P2V(rsdt);
    if (memcmp(t, "RSDT", 4)) return 0;
    u32 len = *(const u32 *)(t + 4);
    int n = 0;
    for (u32 off = 36; off + 4 <= len; off += 4) {
        u32 pa = *(const u32 *)(t + off);
        if (pa >= phys_map_top) continue;
        const u8 *m = P2V(pa);
        if (memcmp(m, "APIC", 4)) continue;
        u32 mlen = *(const u32 *)(m + 4);
        for (u32 e = 44; e + 2 <= mlen; e += m[e + 1] ? m[e + 1] : 2) {
            if (m[e] == 0 && (m[e + 4] & 1) && n < MAX_CPUS) apic_ids[n++] = m[e + 3];
        }
    }
    return n;
}

void smp_detect(void) {
    ncpu = 1;
    if (!has_apic || cmdline_has("nosmp")) return;
    const char *cs = cmdline_get("cpus");
    u32 want = MAX_CPUS;
    if (cs && *cs) { want = 0; while (*cs >= '0' && *cs <= '9') want = want * 10 + (u32)(*cs++ - '0'); }
    if (want > MAX_CPUS) want = MAX_CPUS;
    if (want < 1) want = 1;
    int n = madt_cpus();
    if (n == 0) {                        /* no MADT: assume APIC ids 0..cpus-1 */
        if (want == MAX_CPUS) return;
        n = (int)want;
        for (int i = 0; i < n; i++) apic_ids[i] = (u32)i;
    }
    ncpu = 1;
    for (int i = 0; i < n && (u32)ncpu < want; i++) {
        if (apic_ids[i] == cpus[0].apic_id) continue;
        cpus[ncpu].id = ncpu;
        cpus[ncpu].apic_id = apic_ids[i];
        apic_to_idx[apic_ids[i]] = (u8)ncpu;
        ncpu++;
    }
}

/* ------------------------- AP start-up ------------------------- */
extern char tramp_start[], tramp_end[], tramp_cr3[], tramp_cr4[], tramp_stack[], tramp_entry[];
extern void ap_entry_pv(void);
extern u32 kernel_cs_sel, kernel_ds_sel;
static u8 ap_stacks[MAX_CPUS][16384] __attribute__((aligned(4096)));
static struct apstate ap_states[MAX_CPUS] __attribute__((aligned(4096)));
static union { struct apstate s; u8 page[4096]; } ap_state_pages[MAX_CPUS] __attribute__((aligned(4096)));
#define TRAMP_PHYS 0x8000u

static void delay_us(u32 us) { while (us--) pv_io_delay(); }

void fpu_init(void);

void ap_main(void) {
    int id = apic_to_idx[apic_id_read() & 0xFF];
    cpu_tables_init(id);
    apic_init_cpu();
    fpu_init();
    timer_start_cpu();
    cpus[id].started = 1;
    atomic_add((volatile u32 *)&cpus_online, 1);
    scheduler_loop(0);
    for (;;) pv_halt();
}

void smp_boot(void) {
    if (ncpu <= 1) return;
    if (!vmi_active)
        memcpy(P2V(TRAMP_PHYS), tramp_start, (u32)(tramp_end - tramp_start));
    for (int i = 1; i < ncpu; i++) {
        struct cpu *c = &cpus[i];
        u32 stack_top = (u32)ap_stacks[i] + sizeof ap_stacks[i];
        c->sched_stack = stack_top;
        if (vmi_active) {
            struct apstate *s = &ap_state_pages[i].s;
            struct dtr g, id;
            memset(s, 0, sizeof *s);
            pv.get_gdt(&g);
            pv.get_idt(&id);
            s->cr0 = pv_read_cr0();
            s->cr3 = kernel_pd_phys;
            s->cr4 = pv_read_cr4();
            s->eip = (u32)ap_entry_pv;
            s->eflags = 0x2;
            s->esp = stack_top;
            s->cs = (u16)kernel_cs_sel;
            s->ss = s->ds = s->es = s->fs = s->gs = (u16)kernel_ds_sel;
            s->gdtr_limit = 6 * 8 - 1;
            s->gdtr_base = (u32)cpus[0].gdt;
            s->idtr_base = id.base;
            s->idtr_limit = id.limit;
            icr_send(c->apic_id << 24, 0x4500);          /* INIT */
            pv.set_initial_ap_state(s, c->apic_id);
            icr_send(c->apic_id << 24, 0x4600 | (TRAMP_PHYS >> 12));   /* STARTUP */
            (void)g;
        } else {
            u8 *t = P2V(TRAMP_PHYS);
            *(u32 *)(t + (tramp_cr3 - tramp_start)) = kernel_pd_phys;
            *(u32 *)(t + (tramp_cr4 - tramp_start)) = pv_read_cr4();
            *(u32 *)(t + (tramp_stack - tramp_start)) = stack_top;
            *(u32 *)(t + (tramp_entry - tramp_start)) = (u32)ap_main;
            icr_send(c->apic_id << 24, 0x4500);          /* INIT assert */
            delay_us(10000);
            icr_send(c->apic_id << 24, 0x4600 | (TRAMP_PHYS >> 12));
            delay_us(200);
            if (!c->started) icr_send(c->apic_id << 24, 0x4600 | (TRAMP_PHYS >> 12));
        }
        u64 t0 = pv_cycle_counter(), lim = pv.cycle_frequency();   /* ~1 s */
        if (!lim) lim = 2000000000ull;
        while (!c->started && pv_cycle_counter() - t0 < lim) pv_pause();
        if (!c->started) kprintf("cpu%d (apic %u) did not start\n", i, c->apic_id);
    }
    (void)ap_states;
}

/* ------------------------- TLB shootdown ------------------------- */
static volatile u32 tlb_va, tlb_acks, tlb_lock;

void tlb_ipi_handler(void) {
    pv_invlpg(tlb_va);
    atomic_add(&tlb_acks, 1);
}

/* Invalidate va on every online CPU. Flushes this CPU's deferred updates
   first. Must be called with interrupts enabled (acks other shootdowns). */
void tlb_shootdown(u32 va) {
    pv_flush_deferred();
    while (xchg(&tlb_lock, 1)) pv_pause();
    pv_invlpg(va);
    if (cpus_online > 1) {
        u32 f = pv_save_flags();
        pv_irq_disable();
        tlb_va = va;
        tlb_acks = 0;
        barrier();
        apic_send_ipi_all_but_self(T_IPI_TLB);
        pv_restore_flags(f);
        while (tlb_acks < (u32)cpus_online - 1) pv_pause();
    }
    xchg(&tlb_lock, 0);
}

/* ------------------ running a kernel job on every CPU ------------------ */
static void (*volatile smp_job)(int cpu);
static volatile u32 smp_gen, smp_done;

void smp_job_poll(void) {
    struct cpu *c = mycpu();
    if (c->smp_gen_done == smp_gen) return;
    c->smp_gen_done = smp_gen;
    smp_job(c->id);
    atomic_add(&smp_done, 1);
}

/* run fn on every online CPU (the caller's included), wait for all */
void smp_run(void (*fn)(int cpu)) {
    smp_job = fn;
    smp_done = 0;
    barrier();
    atomic_add(&smp_gen, 1);
    cpus[0].smp_gen_done = smp_gen;
    apic_send_ipi_all_but_self(T_IPI_WAKE);
    fn(0);
    pv_irq_enable();                     /* keep answering shootdowns while waiting */
    while (smp_done < (u32)cpus_online - 1) pv_pause();
    pv_irq_disable();
}
