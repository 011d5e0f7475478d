/* vmidbt guest: processes, the scheduler (one run queue under a spinlock),
 * sleep/wakeup, fork/exit/wait and the system calls. */
#include "kernel.h"

struct spinlock ptable_lock;
static struct proc procs[NPROC];
static int next_pid = 1;
static u32 rr_next;
volatile int live_procs;
volatile u32 user_report;
volatile u32 user_fail;

/* kernel-side channels for the ping-pong workload */
struct chan { u32 full, val; };
static struct chan chans[4];

void proc_init(void) {}

static void forkret(void) {
    spin_unlock(&ptable_lock);     /* held by the scheduler across swtch */
}

static void kick_other_cpus(struct proc *p) {
    if (ncpu > 1 && p->affinity != cpu_index()) apic_send_ipi_all_but_self(T_IPI_WAKE);
}

/* allocate a slot and a kernel stack holding a trapframe; ptable_lock held */
static struct proc *proc_alloc(void) {
    for (int i = 0; i < NPROC; i++) {
        struct proc *p = &procs[i];
        if (p->state != P_UNUSED) continue;
        memset(p, 0, sizeof *p);
        p->state = P_EMBRYO;
        p->pid = next_pid++;
        p->kstack = (u32)P2V(pmm_alloc());
        u32 sp = p->kstack + PAGE;
        sp -= sizeof(struct trapframe);
        p->tf = (struct trapframe *)sp;
        sp -= 4;
        *(u32 *)sp = (u32)trapret;
        sp -= sizeof(struct context);
        p->ctx = (struct context *)sp;
        memset(p->ctx, 0, sizeof *p->ctx);
        p->ctx->eip = (u32)forkret;
        return p;
    }
    return NULL;
}

struct proc *spawn_user(u32 entry, u32 arg0, u32 arg1, int affinity) {
    struct mm *mm = mm_create();
    spin_lock(&ptable_lock);
    struct proc *p = proc_alloc();
    if (!p) panic("out of processes");
    p->mm = mm;
    struct trapframe *tf = p->tf;
    memset(tf, 0, sizeof *tf);
    tf->cs = SEL_UCODE;
    tf->ds = tf->es = tf->fs = tf->gs = tf->ss = SEL_UDATA;
    tf->eflags = 0x202;
    tf->eip = entry;
    tf->esp = USER_STACK_TOP - 4;
    tf->eax = arg0;
    tf->edx = arg1;
    p->affinity = affinity;
    p->state = P_RUNNABLE;
    live_procs++;
    spin_unlock(&ptable_lock);
    kick_other_cpus(p);
    return p;
}

/* switch to the process's address space and kernel stack: one CPU-deferred batch */
static void switch_to_process(struct cpu *c, struct proc *p) {
    pv_set_deferred_mode(DEFER_CPU);
    pv_write_cr3(p->mm->pd_phys);
    pv_update_kernel_stack(c->tss, p->kstack + PAGE);
    pv_set_deferred_mode(DEFER_NONE);
    sysenter_slot[c->id] = p->kstack + PAGE;
}

static void reap(struct proc *p) {   /* ptable_lock held, p is a zombie not running anywhere */
    mm_destroy(p->mm);
    pmm_free(V2P(p->kstack));
    p->mm = NULL;
    p->state = P_UNUSED;
    live_procs--;
}

extern void smp_job_poll(void);

/* The per-CPU scheduler. On the BSP with until_idle set it returns once
   every process has been reaped; on APs it never returns. */
void scheduler_loop(int until_idle) {
    struct cpu *c = mycpu();
    int me = c->id;
    for (;;) {
        spin_lock(&ptable_lock);
        struct proc *p = NULL;
        for (u32 k = 0; k < NPROC; k++) {
            struct proc *q = &procs[(rr_next + k) % NPROC];
            if (q->state == P_RUNNABLE && (q->affinity < 0 || q->affinity == me)) {
                p = q;
                rr_next = (u32)(q - procs) + 1;
                break;
            }
        }
        if (p) {
            c->proc = p;
            p->state = P_RUNNING;
            switch_to_process(c, p);
            swtch(&c->scheduler, p->ctx);
            /* back in the scheduler; leave the process's address space so
               that it can be torn down while this CPU idles */
            pv_write_cr3(kernel_pd_phys);
            c->proc = NULL;
            if (p->state == P_ZOMBIE && !p->parent) reap(p);
            spin_unlock(&ptable_lock);
            continue;
        }
        spin_unlock(&ptable_lock);
        if (until_idle && live_procs == 0) return;
        smp_job_poll();
        pv_halt();           /* enable interrupts and wait */
        pv_irq_disable();
    }
}

/* give up the CPU; ptable_lock held by caller */
static void sched(void) {
    struct cpu *c = mycpu();
    swtch(&c->proc->ctx, c->scheduler);
}

void yield(void) {
    spin_lock(&ptable_lock);
    mycpu()->proc->state = P_RUNNABLE;
    sched();
    spin_unlock(&ptable_lock);
}

/* sleep on chan; lk is ptable_lock (held) */
void sleep_on(void *chan, struct spinlock *lk) {
    (void)lk;
    struct proc *p = mycpu()->proc;
    p->chan = chan;
    p->state = P_SLEEPING;
    sched();
    p->chan = NULL;
}

static void wakeup_locked(void *chan) {
    for (int i = 0; i < NPROC; i++)
        if (procs[i].state == P_SLEEPING && procs[i].chan == chan) {
            procs[i].state = P_RUNNABLE;
            kick_other_cpus(&procs[i]);
        }
}
void wakeup(void *chan) {
    spin_lock(&ptable_lock);
    wakeup_locked(chan);
    spin_unlock(&ptable_lock);
}

int proc_fork(void) {
    struct proc *cur = mycpu()->proc;
    struct mm *mm = mm_copy(cur->mm);
    spin_lock(&ptable_lock);
    struct proc *p = proc_alloc();
    if (!p) { spin_unlock(&ptable_lock); mm_destroy(mm); return -1; }
    p->mm = mm;
    *p->tf = *cur->tf;
    p->tf->eax = 0;
    p->parent = cur;
    p->affinity = cur->affinity;
    p->state = P_RUNNABLE;
    live_procs++;
    int pid = p->pid;
    spin_unlock(&ptable_lock);
    kick_other_cpus(p);
    return pid;
}

void proc_exit(int code) {
    struct proc *p = mycpu()->proc;
    spin_lock(&ptable_lock);
    for (int i = 0; i < NPROC; i++)
        if (procs[i].parent == p) {
            procs[i].parent = NULL;
            if (procs[i].state == P_ZOMBIE) reap(&procs[i]);
        }
    p->exit_code = code;
    p->state = P_ZOMBIE;
    if (p->parent) wakeup_locked(p->parent);
    sched();
    panic("zombie ran");
}

int proc_wait(int *code) {
    struct proc *cur = mycpu()->proc;
    spin_lock(&ptable_lock);
    for (;;) {
        int have = 0;
        for (int i = 0; i < NPROC; i++) {
            struct proc *q = &procs[i];
            if (q->parent != cur) continue;
            have = 1;
            if (q->state == P_ZOMBIE) {
                int pid = q->pid;
                *code = q->exit_code;
                q->parent = NULL;
                reap(q);
                spin_unlock(&ptable_lock);
                return pid;
            }
        }
        if (!have) { spin_unlock(&ptable_lock); return -1; }
        sleep_on(cur, &ptable_lock);
    }
}

/* ---------------- system calls: eax = number, ebx/ecx/edx arguments ---------------- */
enum {
    SYS_exit, SYS_fork, SYS_wait, SYS_null, SYS_yield, SYS_send, SYS_recv, SYS_report,
    SYS_mmap, SYS_munmap, SYS_ptemod, SYS_setaffinity, SYS_fail, SYS_chanreset, SYS_features,
};

void syscall(struct trapframe *tf) {
    struct proc *p = mycpu()->proc;
    u32 a = tf->ebx, b = tf->ecx;
    switch (tf->eax) {
    case SYS_exit: proc_exit((int)a);
    case SYS_fork: tf->eax = (u32)proc_fork(); break;
    case SYS_wait: { int code = 0; tf->eax = (u32)proc_wait(&code); tf->edx = (u32)code; break; }
    case SYS_null: tf->eax = a + 1; break;
    case SYS_yield: yield(); tf->eax = 0; break;
    case SYS_send: {
        struct chan *ch = &chans[a & 3];
        spin_lock(&ptable_lock);
        while (ch->full) sleep_on(ch, &ptable_lock);
        ch->val = b;
        ch->full = 1;
        wakeup_locked(ch);
        spin_unlock(&ptable_lock);
        tf->eax = 0;
        break;
    }
    case SYS_recv: {
        struct chan *ch = &chans[a & 3];
        spin_lock(&ptable_lock);
        while (!ch->full) sleep_on(ch, &ptable_lock);
        tf->eax = ch->val;
        ch->full = 0;
        wakeup_locked(ch);
        spin_unlock(&ptable_lock);
        break;
    }
    case SYS_chanreset:
        spin_lock(&ptable_lock);
        memset(chans, 0, sizeof chans);
        spin_unlock(&ptable_lock);
        tf->eax = 0;
        break;
    case SYS_report: user_report = a; tf->eax = 0; break;
    case SYS_fail: user_fail = a ? a : 1; tf->eax = 0; break;
    case SYS_mmap:
        if (a < USER_HEAP_VA || a + b * PAGE > USER_HEAP_END || (a & (PAGE - 1))) { tf->eax = (u32)-1; break; }
        tf->eax = (u32)mm_map_zero(p->mm, a, b);
        break;
    case SYS_munmap:
        if (a < USER_HEAP_VA || a + b * PAGE > USER_HEAP_END || (a & (PAGE - 1))) { tf->eax = (u32)-1; break; }
        mm_unmap(p->mm, a, b, true);
        tf->eax = 0;
        break;
    case SYS_ptemod: tf->eax = sys_ptemod(a, b); break;
    case SYS_features: tf->eax = use_sysenter ? 1 : 0; break;
    case SYS_setaffinity: p->affinity = (int)a; tf->eax = 0; break;
    default:
        kprintf("bad syscall %u from pid %d\n", tf->eax, p->pid);
        proc_exit(-1);
    }
}

/* run one user workload to completion on this (the boot) CPU */
void run_user_workload(u32 entry, u32 arg0, u32 arg1) {
    spawn_user(entry, arg0, arg1, 0);
    scheduler_loop(1);
}
