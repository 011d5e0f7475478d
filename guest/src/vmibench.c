/* vmidbt guest: microbenchmarks of privileged operations, the guest half of
 * `vmidbt bench vmi` (bench/vmi.ts). Selected with `vmibench[=LIST]` on
 * the command line; without it nothing here runs and the normal workload
 * run is unchanged (with it, workloads run only if `run=` names them).
 *
 * Each operation has a loop in vmibench_loops.S in two forms: the native
 * instruction, and the VMI call doing the same. The kernel runs the form of
 * the mode it booted in, so one binary measures both. For each operation:
 * a warm-up pass, then `vmibench.reps` (default 3) passes of an empty loop
 * of N iterations and the operation's loop of N iterations, then further
 * passes (64 in all at most) while a read of port 0xE4 returns 1: the host
 * asks for them until its times settle, as the generated code of a large
 * loop is optimized by the host's JIT only after some thousands of runs. Each loop's
 * start and end are marked on the bench port (0xE0, a vmidbt device: the
 * host timestamps every write, runtime/devices/bench-port.ts), so the host
 * times them, not the guest. The mark written is (operation id << 8) |
 * phase. Where the port is absent (reads do not return its signature) the
 * loops still run and the guest's own cycle counts are printed.
 *
 * Every operation line reads
 *   VMIBENCH id=<id> op=<name> kind=<op|unit> n=<N> per=<ops per iteration>
 *            cycles=<op loop> empty=<empty loop>
 * (guest cycles of the last pass). Units (`callret`, `add`) run the same
 * loop in both modes: they are the yardsticks costs are expressed in.
 *
 * The timer is stopped and interrupts are off while the loops run; the
 * kernel switches to an address space with the user image (the ring
 * crossings land in user.c) and restores everything afterwards. 2-level
 * paging, one CPU; in paravirtual mode the proposal's linkage (vmi=proposal,
 * the default), whose call numbers the call sites use. */
#include "kernel.h"

#define BENCH_PORT 0xE0
#define BENCH_SIGNATURE 0x42494D56u     /* "VMIB" */
#define BENCH_MORE_PORT 0xE4            /* reads 1 while the host wants another pass */
#define MAX_PASSES 64
enum { MARK_EMPTY_BEGIN = 1, MARK_EMPTY_END, MARK_OPS_BEGIN, MARK_OPS_END, MARK_START = 0xF0, MARK_DONE };

#define BATCH_VA 0xFBC00000u            /* fixmap pages 0..63: the batch of 64 PTEs */
#define BENCH_VA 0xFBC40000u            /* fixmap page 64: the single PTE */
#define RING_VECTOR 0x81

typedef void loop_fn(u32 iterations);
extern loop_fn vb_empty, vb_n_callret, vb_n_add;
extern loop_fn vb_n_irq_off, vb_v_irq_off, vb_n_irq_on, vb_v_irq_on;
extern loop_fn vb_n_read_cr2, vb_v_read_cr2, vb_n_read_cr3, vb_v_read_cr3, vb_n_write_cr3, vb_v_write_cr3;
extern loop_fn vb_n_pte_invlpg, vb_v_pte_invlpg, vb_n_pte_round, vb_v_pte_round;
extern loop_fn vb_n_batch64, vb_v_batch64, vb_v_batch64_deferred, vb_n_flush_tlb, vb_v_flush_tlb;
extern loop_fn vb_n_apic_eoi, vb_v_apic_eoi, vb_n_apic_tpr, vb_v_apic_tpr;
extern loop_fn vb_n_port_in, vb_v_port_in, vb_n_port_out, vb_v_port_out;
extern loop_fn vb_n_iret_same, vb_v_iret_same, vb_n_iret_user, vb_v_iret_user, vb_n_sysexit, vb_v_sysexit;
extern loop_fn vb_n_cpuid, vb_v_cpuid, vb_n_rdtsc, vb_v_rdtsc;
extern void vb_ring_int(void), vb_sysenter_entry(void);
extern void u_vb_int(void), u_vb_sysenter(void);

struct vb_site { u32 addr, call; };
extern const struct vb_site vb_sites_start[], vb_sites_end[];

/* what the loops read (vmibench_loops.S) */
u32 vb_cr3a, vb_cr3b, vb_val_a, vb_val_b, vb_va, vb_bval, vb_bxor, vb_cont;
u32 *vb_pte, *vb_batch;

enum { NEED_APIC = 1, NEED_SYSENTER = 2, UNIT = 4 };
struct vb_op {
    const char *name;
    u32 n;                  /* iterations at vmibench.scale=1 */
    u32 per;                /* operations per iteration */
    loop_fn *native, *vmi;
    u32 flags;
};

static const struct vb_op vb_ops[] = {
    { "callret", 400000, 1, vb_n_callret, vb_n_callret, UNIT },
    { "add", 400000, 8, vb_n_add, vb_n_add, UNIT },
    { "irq_off", 400000, 1, vb_n_irq_off, vb_v_irq_off, 0 },
    { "irq_on", 400000, 1, vb_n_irq_on, vb_v_irq_on, 0 },
    { "read_cr2", 400000, 1, vb_n_read_cr2, vb_v_read_cr2, 0 },
    { "read_cr3", 400000, 1, vb_n_read_cr3, vb_v_read_cr3, 0 },
    { "write_cr3", 50000, 2, vb_n_write_cr3, vb_v_write_cr3, 0 },
    { "pte_invlpg", 100000, 2, vb_n_pte_invlpg, vb_v_pte_invlpg, 0 },
    { "pte_round", 100000, 2, vb_n_pte_round, vb_v_pte_round, 0 },
    { "batch64", 4000, 1, vb_n_batch64, vb_v_batch64, 0 },
    { "batch64_deferred", 4000, 1, vb_n_batch64, vb_v_batch64_deferred, 0 },
    { "flush_tlb", 100000, 1, vb_n_flush_tlb, vb_v_flush_tlb, 0 },
    { "apic_eoi", 200000, 1, vb_n_apic_eoi, vb_v_apic_eoi, NEED_APIC },
    { "apic_tpr", 200000, 1, vb_n_apic_tpr, vb_v_apic_tpr, NEED_APIC },
    { "port_in", 200000, 1, vb_n_port_in, vb_v_port_in, 0 },
    { "port_out", 200000, 1, vb_n_port_out, vb_v_port_out, 0 },
    { "iret_same", 200000, 1, vb_n_iret_same, vb_v_iret_same, 0 },
    { "iret_user", 50000, 1, vb_n_iret_user, vb_v_iret_user, 0 },
    { "sysexit", 50000, 1, vb_n_sysexit, vb_v_sysexit, NEED_SYSENTER },
    { "cpuid", 100000, 1, vb_n_cpuid, vb_v_cpuid, 0 },
    { "rdtsc", 200000, 1, vb_n_rdtsc, vb_v_rdtsc, 0 },
};
#define NOPS (sizeof vb_ops / sizeof vb_ops[0])

static bool host_marks;
static u32 frame_a, frame_b, saved_esp0;
static struct mm *bench_mm;

static void mark(u32 id, u32 phase) {
    if (host_marks) pv.outl((id << 8) | phase, BENCH_PORT);
}

void vb_unpatched(void) { panic("vmibench: a VMI call site was not patched"); }

/* Point every call site of vmibench_loops.S at its ROM slot: call rel32 / jmp rel32. */
static bool patch_sites(void) {
    for (const struct vb_site *s = vb_sites_start; s < vb_sites_end; s++) {
        u32 target = vmi_call_address(s->call);
        if (!target) return false;
        *(volatile u32 *)(s->addr + 1) = target - (s->addr + 5);
    }
    return true;
}

/* Called by a ring-crossing loop with its stack pointer: the way back to the
   kernel (int $0x81 through the TSS, SYSENTER through its MSR) lands there. */
void vb_ring_stack(u32 esp) {
    pv.update_kernel_stack(cpus[0].tss, esp);
    if (use_sysenter) {
        pv.wrmsr(0x175, esp);
        pv.wrmsr(0x176, (u32)vb_sysenter_entry);
    }
}

static void fill(u32 pa, u32 seed) {
    u32 *p = P2V(pa);
    for (u32 i = 0; i < 1024; i++) p[i] = i * 2654435761u ^ seed;
}

static void setup(void) {
    frame_a = pmm_alloc();
    frame_b = pmm_alloc();
    fill(frame_a, 0xA5A5A5A5u);
    fill(frame_b, 0x5A5A5A5Au);
    vb_va = BENCH_VA;
    vb_pte = fixmap_pte(BENCH_VA);
    vb_val_a = frame_a | PTE_P | PTE_W;
    vb_val_b = frame_b | PTE_P | PTE_W;
    vb_batch = fixmap_pte(BATCH_VA);
    vb_bval = vb_val_a;
    vb_bxor = vb_val_a ^ vb_val_b;
    pv.set_deferred_mode(DEFER_MMU);
    for (u32 k = 0; k < 64; k++) pte_set(vb_batch + k, vb_val_b);
    pte_set(vb_pte, vb_val_b);
    pv.set_deferred_mode(DEFER_NONE);
    pv.flush_tlb(1);
    /* an address space with the user image, where the ring crossings land */
    bench_mm = mm_create();
    vb_cr3a = kernel_pd_phys;
    vb_cr3b = bench_mm->pd_phys;
    pv.write_cr3(vb_cr3b);
    idt_set_gate(RING_VECTOR, (u32)vb_ring_int, 3);
    saved_esp0 = cpus[0].tss->esp0;
}

static void teardown(void) {
    idt_reset_gate(RING_VECTOR);
    pv.update_kernel_stack(cpus[0].tss, saved_esp0);
    sysenter_init(0);
    pv.write_cr3(kernel_pd_phys);
    mm_destroy(bench_mm);
    pv.set_deferred_mode(DEFER_MMU);
    for (u32 k = 0; k < 64; k++) pte_set(vb_batch + k, 0);
    pte_set(vb_pte, 0);
    pv.set_deferred_mode(DEFER_NONE);
    pv.flush_tlb(1);
    pmm_free(frame_a);
    pmm_free(frame_b);
}

static bool in_list(const char *name, const char *list) {
    if (!list || !*list || !strcmp(list, "all")) return true;
    u32 nl = strlen(name);
    for (const char *p = list; *p;) {
        const char *s = p;
        while (*p && *p != ',') p++;
        if ((u32)(p - s) == nl && !strncmp(s, name, nl)) return true;
        if (*p == ',') p++;
    }
    return false;
}

static bool list_known(const char *list) {
    if (!list || !*list || !strcmp(list, "all")) return true;
    for (const char *p = list; *p;) {
        const char *s = p;
        while (*p && *p != ',') p++;
        bool found = false;
        for (u32 i = 0; i < NOPS; i++)
            if (strlen(vb_ops[i].name) == (u32)(p - s) && !strncmp(vb_ops[i].name, s, (u32)(p - s))) found = true;
        if (!found) return false;
        if (*p == ',') p++;
    }
    return true;
}

/* a decimal option, or its default */
static u32 option(const char *key, u32 dflt) {
    const char *v = cmdline_get(key);
    if (!v || !*v) return dflt;
    u32 x = 0;
    while (*v >= '0' && *v <= '9') x = x * 10 + (u32)(*v++ - '0');
    return x ? x : dflt;
}

static const char *skip_reason(const struct vb_op *op) {
    if ((op->flags & NEED_APIC) && !has_apic) return "no local APIC";
    if ((op->flags & NEED_SYSENTER) && !use_sysenter) return "no sysenter";
    return NULL;
}

static void run_op(u32 id, const struct vb_op *op, u32 permille, u32 reps) {
    const char *why = skip_reason(op);
    if (why) { kprintf("VMIBENCH id=%u op=%s skipped (%s)\n", id, op->name, why); return; }
    u32 n = (u32)((u64)op->n * permille / 1000);
    if (n < 4) n = 4;
    loop_fn *fn = vmi_active ? op->vmi : op->native;
    vb_empty(n / 4 + 1);                        /* warm-up: reach the translator's threshold, translate */
    fn(n / 4 + 1);
    pv.irq_disable();
    u64 ops = 0, empty = 0;
    /* the fixed passes, then more while the host's timer says the figures still move (its JIT warming up) */
    for (u32 r = 0; r < reps || (host_marks && r < MAX_PASSES && pv.inl(BENCH_MORE_PORT)); r++) {
        mark(id, MARK_EMPTY_BEGIN);
        u64 t0 = pv_cycle_counter();
        vb_empty(n);
        u64 t1 = pv_cycle_counter();
        mark(id, MARK_EMPTY_END);
        mark(id, MARK_OPS_BEGIN);
        u64 t2 = pv_cycle_counter();
        fn(n);
        u64 t3 = pv_cycle_counter();
        mark(id, MARK_OPS_END);
        pv.irq_disable();                       /* irq_on leaves interrupts enabled */
        empty = t1 - t0;
        ops = t3 - t2;
    }
    kprintf("VMIBENCH id=%u op=%s kind=%s n=%u per=%u cycles=%llu empty=%llu\n", id, op->name,
            op->flags & UNIT ? "unit" : "op", n, op->per, ops, empty);
}

void vmibench_run(const char *list_arg) {
    static char list[256];
    u32 len = list_arg ? strlen(list_arg) : 0;
    if (len >= sizeof list) len = sizeof list - 1;
    memcpy(list, list_arg ? list_arg : "", len);
    list[len] = 0;
    if (!list_known(list)) {
        kprintf("vmibench: unknown operation in vmibench=%s\n", list);
        debug_exit(EXIT_FAIL);
    }
    if (pae) { kprintf("vmibench: needs 2-level paging (drop pae)\n"); return; }
    if (vmi_active && (strcmp(vmi_abi_name, "proposal") || !patch_sites())) {
        kprintf("vmibench: needs vmi=proposal (the call sites use its numbers)\n");
        return;
    }
    u32 permille = 1000;
    const char *sc = cmdline_get("vmibench.scale");
    if (sc && *sc) {   /* decimal with up to 3 digits after the point */
        u32 ip = 0, fp = 0, fd = 0;
        while (*sc >= '0' && *sc <= '9') ip = ip * 10 + (u32)(*sc++ - '0');
        if (*sc == '.') for (sc++; *sc >= '0' && *sc <= '9'; sc++) if (fd < 3) { fp = fp * 10 + (u32)(*sc - '0'); fd++; }
        while (fd < 3) { fp *= 10; fd++; }
        permille = ip * 1000 + fp;
        if (!permille) permille = 1;
    }
    u32 reps = option("vmibench.reps", 3);
    host_marks = pv.inl(BENCH_PORT) == BENCH_SIGNATURE;
    kprintf("VMIBENCH begin mode=%s marks=%s reps=%u scale=%u.%03u\n", pv.name, host_marks ? "host" : "none",
            reps, permille / 1000, permille % 1000);
    u32 flags = pv.save_flags();
    pv.irq_disable();
    timer_stop();
    setup();
    mark(0, MARK_START);
    for (u32 i = 0; i < NOPS; i++)
        if (in_list(vb_ops[i].name, list) || (vb_ops[i].flags & UNIT)) run_op(i + 1, &vb_ops[i], permille, reps);
    mark(0, MARK_DONE);
    teardown();
    timer_start();
    pv.restore_flags(flags);
    kprintf("VMIBENCH end\n");
}
