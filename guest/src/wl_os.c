/* vmidbt guest: OS workloads (run as user processes, see user.c), the
 * kernel half of ptemod, and the SMP workload. */
#include "kernel.h"

extern volatile u32 wl_failed, user_fail;
extern void u_entry(void);      /* user.c, linked at the user address */
void smp_run(void (*fn)(int cpu));
void tlb_shootdown(u32 va);

enum { U_NULL = 1, U_CTXSW, U_PAGEFAULT, U_FORK, U_MMAP, U_PTEMOD, U_COW, U_SMPPROC, U_SYSENTER };

static u32 user_workload(u32 id, u32 iters) {
    user_report = 0;
    user_fail = 0;
    run_user_workload((u32)u_entry, id, iters);
    if (user_fail) { kprintf("workload %u: user self-check failed (%u)\n", id, user_fail); wl_failed = 1; }
    return user_report;
}
static u32 wl_null(u32 n) { return user_workload(U_NULL, n); }
static u32 wl_ctxsw(u32 n) { return user_workload(U_CTXSW, n); }
static u32 wl_pagefault(u32 n) { return user_workload(U_PAGEFAULT, n); }
static u32 wl_fork(u32 n) { return user_workload(U_FORK, n); }
static u32 wl_mmap(u32 n) { return user_workload(U_MMAP, n); }
static u32 wl_ptemod(u32 n) { return user_workload(U_PTEMOD, n); }
static u32 wl_cow(u32 n) { return user_workload(U_COW, n); }
static u32 wl_smpproc(u32 n) { return user_workload(U_SMPPROC, n); }
static u32 wl_sysenter(u32 n) { return user_workload(U_SYSENTER, n); }

/* ptemod: flip the PTE of the user page at va between two frames holding
   different patterns, invalidating with INVLPG (or, every 8th step, a CR3
   reload), and read through the mapping each time: a stale TLB entry
   changes the checksum. */
u32 sys_ptemod(u32 va, u32 iters) {
    struct proc *p = mycpu()->proc;
    va &= ~(PAGE - 1);
    if (va < USER_HEAP_VA || va >= USER_HEAP_END) return 0;
    u32 *pte = mm_pte(p->mm, va, true);
    u32 old = *pte;
    u32 fa = pmm_alloc(), fb = pmm_alloc();
    u32 *a = P2V(fa), *b = P2V(fb);
    for (u32 i = 0; i < 1024; i++) { a[i] = i * 3 + 1; b[i] = i * 5 + 2; }
    u32 h = 0;
    for (u32 i = 0; i < iters; i++) {
        u32 f = (i & 1) ? fb : fa;
        pte_set(pte, f | PTE_P | PTE_W | PTE_U);
        if ((i & 7) == 7) pv_write_cr3(p->mm->pd_phys);
        else pv_invlpg(va);
        volatile u32 *u = (volatile u32 *)va;
        u32 v = u[(i * 13) & 1023];
        h = (h ^ v) * 0x01000193u;
        if (i & 2) u[(i * 7) & 1023] += i;      /* write through the mapping too */
    }
    pte_set(pte, old);
    pv_invlpg(va);
    h ^= crc32_update(0, a, PAGE) ^ crc32_update(0, b, PAGE);
    pmm_free(fa);
    pmm_free(fb);
    return h;
}

/* ---------------- SMP: shared counter, spinlock, IPI shootdowns ---------------- */
static struct spinlock smp_lock;
static volatile u32 smp_next, smp_total, smp_sum, smp_xor, smp_shoots;
static u32 smp_frames[2];
static volatile u32 smp_cur;      /* index of the frame mapped at SHARED_VA */
#define SMP_K 256                 /* one shootdown per SMP_K work items */

static void fill_table(u32 pa) {
    u32 *t = P2V(pa);
    for (u32 i = 0; i < 1024; i++) t[i] = i * 0x9E3779B9u ^ 0x5bd1e995u;
}
static void poison(u32 pa) { memset(P2V(pa), 0xEE, PAGE); }

static void remap_shared(void) {
    /* move SHARED_VA to the other frame (same contents), shoot down, poison the old */
    u32 old = smp_cur, nw = old ^ 1;
    fill_table(smp_frames[nw]);
    pv_set_deferred_mode(DEFER_MMU);
    fixmap_set(SHARED_VA, smp_frames[nw], PTE_W);
    smp_cur = nw;
    pv_set_deferred_mode(DEFER_NONE);
    tlb_shootdown(SHARED_VA);            /* flushes deferred updates first */
    poison(smp_frames[old]);
    atomic_add(&smp_shoots, 1);
}

static void smp_worker(int cpu) {
    (void)cpu;
    pv_irq_enable();
    for (;;) {
        u32 f = spin_lock_irqsave(&smp_lock);
        u32 i = smp_next++;
        bool shoot = (i % SMP_K) == 0 && i < smp_total;
        spin_unlock_irqrestore(&smp_lock, f);
        if (i >= smp_total) break;
        if (shoot) {
            static volatile u32 remap_busy;
            while (xchg(&remap_busy, 1)) pv_pause();
            remap_shared();
            xchg(&remap_busy, 0);
        }
        const volatile u32 *tab = (const volatile u32 *)SHARED_VA;
        u32 v = i;
        for (int r = 0; r < 16; r++) v = (v * 0x01000193u) ^ tab[(v >> 7) & 1023];
        f = spin_lock_irqsave(&smp_lock);
        smp_sum += v;
        smp_xor ^= v * 2654435761u;
        spin_unlock_irqrestore(&smp_lock, f);
    }
    pv_irq_disable();
}

/* iters = work items, spread over every online CPU */
static u32 wl_smp(u32 iters) {
    if (!smp_frames[0]) { smp_frames[0] = pmm_alloc(); smp_frames[1] = pmm_alloc(); }
    smp_cur = 0;
    fill_table(smp_frames[0]);
    fixmap_set(SHARED_VA, smp_frames[0], PTE_W);
    smp_next = 0; smp_total = iters; smp_sum = 0; smp_xor = 0; smp_shoots = 0;
    smp_run(smp_worker);
    u32 expect_shoots = (iters + SMP_K - 1) / SMP_K;
    if (smp_shoots != expect_shoots) { kprintf("smp: %u shootdowns, expected %u\n", smp_shoots, expect_shoots); wl_failed = 1; }
    fixmap_set(SHARED_VA, 0, 0);
    pmm_free(smp_frames[0]); pmm_free(smp_frames[1]);
    smp_frames[0] = smp_frames[1] = 0;
    return smp_sum ^ (smp_xor * 31u) ^ smp_shoots;
}

const struct workload workloads_os[] = {
    { "null", "os", 200000, wl_null },
    { "sysenter", "os", 200000, wl_sysenter },
    { "ctxsw", "os", 40000, wl_ctxsw },
    { "pagefault", "os", 20000, wl_pagefault },
    { "fork", "os", 1000, wl_fork },
    { "mmap", "os", 2000, wl_mmap },
    { "ptemod", "os", 100000, wl_ptemod },
    { "cow", "os", 500, wl_cow },
    { NULL, NULL, 0, NULL },
};
const struct workload workloads_smp[] = {
    { "smpcount", "smp", 40000, wl_smp },
    { "smpproc", "smp", 64, wl_smpproc },
    { NULL, NULL, 0, NULL },
};
