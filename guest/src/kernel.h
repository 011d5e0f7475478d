/* vmidbt guest kernel: common declarations. */
#ifndef KERNEL_H
#define KERNEL_H

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;
typedef signed char s8;
typedef short s16;
typedef int s32;
typedef long long s64;
typedef unsigned int size_t;
typedef int bool;
#define true 1
#define false 0
#define NULL ((void *)0)

#define KV 0xC0000000u           /* kernel virtual base = physical 0 */
#define P2V(p) ((void *)((u32)(p) + KV))
#define V2P(v) ((u32)(v) - KV)
#define PAGE 4096u
#define MAX_PHYS (512u << 20)     /* direct-mapped RAM cap */
#define MAX_FRAMES (MAX_PHYS / PAGE)
#define MAX_CPUS 8

/* fixed kernel virtual pages (one shared page table at 0xFBC00000) */
#define FIXMAP_BASE 0xFBC00000u
#define APIC_VA     0xFBFFF000u   /* native local APIC window */
#define SHARED_VA   0xFBFFE000u   /* smp workload shootdown page */

/* selectors: index 1 kernel code, 2 kernel data, 3 user code, 4 user data, 5 TSS */
#define SEL_KCODE 0x08
#define SEL_KDATA 0x10
#define SEL_UCODE 0x1B
#define SEL_UDATA 0x23
#define SEL_TSS   0x28

#define PTE_P 0x001
#define PTE_W 0x002
#define PTE_U 0x004
#define PTE_PCD 0x010
#define PTE_A 0x020
#define PTE_D 0x040
#define PTE_G 0x100
#define CR4_PGE 0x080
#define PTE_COW 0x200              /* software bit: copy on write */
#define PTE_ADDR(x) ((x) & 0xFFFFF000u)

#define ALIGN_UP(x, a) (((x) + (a)-1) & ~((a)-1))

static inline void barrier(void) { __asm__ volatile("" ::: "memory"); }
static inline u32 xchg(volatile u32 *p, u32 v) {
    __asm__ volatile("xchgl %0, %1" : "+r"(v), "+m"(*p) : : "memory");
    return v;
}
static inline u32 atomic_add(volatile u32 *p, u32 v) { /* returns old */
    __asm__ volatile("lock; xaddl %0, %1" : "+r"(v), "+m"(*p) : : "memory", "cc");
    return v;
}

/* ---------------- paravirt operations table ---------------- */
struct dtr { u16 limit; u32 base; } __attribute__((packed));

struct tss {
    u32 link, esp0, ss0, esp1, ss1, esp2, ss2, cr3, eip, eflags;
    u32 eax, ecx, edx, ebx, esp, ebp, esi, edi;
    u32 es, cs, ss, ds, fs, gs, ldt;
    u16 trap, iomap;
} __attribute__((packed));

struct apstate { /* ABI section 7, 96 bytes */
    u32 cr0, cr2, cr3, cr4;
    u64 efer;
    u32 eip, eflags, eax, ebx, ecx, edx, esp, ebp, esi, edi;
    u16 cs, ss, ds, es, fs, gs, ldtr, gdtr_limit;
    u32 gdtr_base, idtr_base;
    u16 idtr_limit, pad0;
    u32 pad1[1];
} __attribute__((packed));

#define PAGE_PT 0x01
#define PAGE_PD 0x02
#define PAGE_PDP 0x04
#define DEFER_NONE 0
#define DEFER_MMU 0x01
#define DEFER_CPU 0x02

/* The operations a call site may be patched for take their arguments in
   registers (GCC regparm(3): EAX, EDX, ECX), in the order the VMI ROM's
   call of the same name takes them, so that a patched site calls the ROM
   slot directly (see "patchable call sites" below). */
#define RP __attribute__((regparm(3)))

struct pv_ops {
    const char *name;
    void (*cpuid)(u32 leaf, u32 sub, u32 r[4]);
    u64 (*rdmsr)(u32 msr);
    void (*wrmsr)(u32 msr, u64 v);
    void (*set_gdt)(const struct dtr *d);
    void (*set_idt)(const struct dtr *d);
    void (*set_ldt)(u32 sel);
    void (*set_tr)(u32 sel);
    void (*get_gdt)(struct dtr *d);
    void (*get_idt)(struct dtr *d);
    u32 (*get_ldt)(void);
    u32 (*get_tr)(void);
    void (*write_gdt_entry)(void *table, u32 idx, u32 lo, u32 hi);
    void (*write_ldt_entry)(void *table, u32 idx, u32 lo, u32 hi);
    void (*write_idt_entry)(void *table, u32 idx, u32 lo, u32 hi);
    void RP (*update_kernel_stack)(struct tss *t, u32 esp0);
    u32 RP (*read_cr0)(void);
    u32 RP (*read_cr2)(void);
    u32 RP (*read_cr3)(void);
    u32 RP (*read_cr4)(void);
    void RP (*write_cr0)(u32);
    void RP (*write_cr2)(u32);
    void RP (*write_cr3)(u32);
    void RP (*write_cr4)(u32);
    void RP (*clts)(void);
    void RP (*wbinvd)(void);
    void RP (*irq_enable)(void);
    void RP (*irq_disable)(void);
    u32 RP (*save_flags)(void);     /* bit 9 (0x200) set if interrupts are enabled; other bits meaningless */
    void RP (*restore_flags)(u32 f);
    void RP (*halt)(void);          /* enable interrupts and wait for one */
    void RP (*pause)(void);
    void RP (*shutdown)(void);
    void RP (*reboot)(u32 hard);    /* 0 soft (INIT-like, memory kept), 1 hard */
    u64 RP (*rdtsc)(void);
    void RP (*set_pxe)(u32 val, u32 *ptr);
    void RP (*set_pxe_long)(u64 val, u32 *ptr);   /* PAE entries */
    u32 RP (*get_pxe)(u32 *ptr);
    u32 RP (*swap_pxe)(u32 val, u32 *ptr);
    void RP (*alloc_page)(u32 pfn, u32 usage);
    void RP (*release_page)(u32 pfn, u32 usage);
    void RP (*invlpg)(u32 va);
    void RP (*flush_tlb)(u32 flags);   /* 1 non-global, 3 global too */
    void RP (*set_deferred_mode)(u32 bits);
    void RP (*flush_deferred)(void);
    u8 (*inb)(u16 port);
    u16 (*inw)(u16 port);
    u32 (*inl)(u16 port);
    void (*outb)(u8 v, u16 port);
    void (*outw)(u16 v, u16 port);
    void (*outl)(u32 v, u16 port);
    void RP (*io_delay)(void);
    u32 RP (*apic_read)(u32 reg);      /* reg: the register's address in the APIC page (offset alone works too) */
    void RP (*apic_write)(u32 reg, u32 v);
    u64 RP (*cycle_counter)(u32 counter);   /* 0 real (natively: the TSC) */
    u64 (*cycle_frequency)(void);
    void (*set_alarm)(u32 flags, u64 expiry, u64 period);
    u32 (*cancel_alarm)(u32 counter);
    void (*set_initial_ap_state)(struct apstate *s, u32 apic_id);
};
extern struct pv_ops pv;
extern int vmi_active;        /* 1 when running through the VMI ROM */
extern u32 vmi_rom_base;      /* linear address of the ROM */
extern u32 vmi_iret_addr;     /* jump target for IRET in PV mode, 0 natively */
extern u32 kernel_rpl;        /* 0 native, 1 paravirtual */
extern u8 vmi_version_major, vmi_version_minor;
extern const char *vmi_abi_name;   /* the linkage vmi= chose: proposal, vmware13, linux3 */
void pv_init(bool allow_vmi);
int vmi_probe(void);
u32 vmi_call_address(u32 n);

/* ---- patchable call sites ----
   The hot operations are called through pv_*() below, not pv.op(): each
   call site is `call *pv+op` (6 bytes) with its arguments in registers,
   recorded in the section .pvsites (address, operation). At boot
   pv_patch() rewrites every site for what `pv` holds then, as Linux's
   paravirt patching did: a direct `call rel32` to the VMI ROM slot of the
   call when the operation is exactly that call (so a binary translator
   sees the ROM call at the site), the native instruction sequence when the
   operation is native and one fits, a direct call of the operation's
   function otherwise. `nopatch` on the command line keeps the indirect
   calls. A site clobbers what a C call does (EAX, ECX, EDX, flags). */
struct pv_site { u32 addr; u32 op; };   /* op: index of the member in struct pv_ops, in words */
void pv_patch(void);

#define PV_OP(m) (__builtin_offsetof(struct pv_ops, m) / 4)
#define PV_SITE \
    "771: call *%c[pvop]\n" \
    ".pushsection .pvsites, \"a\"\n.balign 4\n.long 771b, %c[pvid]\n.popsection\n"
#define PV_SITE_ARGS(m) [pvop] "i"(&pv.m), [pvid] "i"(PV_OP(m))
#define PVCALL0(m) ({ u32 _a; \
    __asm__ volatile(PV_SITE : "=a"(_a) : PV_SITE_ARGS(m) : "ecx", "edx", "memory", "cc"); _a; })
#define PVCALL1(m, x) ({ u32 _a = (u32)(x); \
    __asm__ volatile(PV_SITE : "+a"(_a) : PV_SITE_ARGS(m) : "ecx", "edx", "memory", "cc"); _a; })
#define PVCALL2(m, x, y) ({ u32 _a = (u32)(x), _d = (u32)(y); \
    __asm__ volatile(PV_SITE : "+a"(_a), "+d"(_d) : PV_SITE_ARGS(m) : "ecx", "memory", "cc"); _a; })
#define PVCALL3(m, x, y, z) ({ u32 _a = (u32)(x), _d = (u32)(y), _c = (u32)(z); \
    __asm__ volatile(PV_SITE : "+a"(_a), "+d"(_d), "+c"(_c) : PV_SITE_ARGS(m) : "memory", "cc"); _a; })
#define PVCALL1_64(m, x) ({ u32 _a = (u32)(x), _d; \
    __asm__ volatile(PV_SITE : "+a"(_a), "=d"(_d) : PV_SITE_ARGS(m) : "ecx", "memory", "cc"); ((u64)_d << 32) | _a; })

#define APIC_ARCH 0xFEE00000u   /* the local APIC's architectural address */
static inline void pv_irq_enable(void) { PVCALL0(irq_enable); }
static inline void pv_irq_disable(void) { PVCALL0(irq_disable); }
static inline u32 pv_save_flags(void) { return PVCALL0(save_flags); }
static inline void pv_restore_flags(u32 f) { PVCALL1(restore_flags, f); }
static inline u32 pv_read_cr0(void) { return PVCALL0(read_cr0); }
static inline u32 pv_read_cr2(void) { return PVCALL0(read_cr2); }
static inline u32 pv_read_cr3(void) { return PVCALL0(read_cr3); }
static inline u32 pv_read_cr4(void) { return PVCALL0(read_cr4); }
static inline void pv_write_cr0(u32 v) { PVCALL1(write_cr0, v); }
static inline void pv_write_cr3(u32 v) { PVCALL1(write_cr3, v); }
static inline void pv_write_cr4(u32 v) { PVCALL1(write_cr4, v); }
static inline void pv_update_kernel_stack(struct tss *t, u32 esp0) { PVCALL2(update_kernel_stack, t, esp0); }
static inline void pv_set_pxe(u32 *p, u32 v) { PVCALL2(set_pxe, v, p); }
static inline void pv_set_pxe_long(u32 *p, u64 v) { PVCALL3(set_pxe_long, (u32)v, (u32)(v >> 32), p); }
static inline u32 pv_swap_pxe(u32 *p, u32 v) { return PVCALL2(swap_pxe, v, p); }
static inline void pv_alloc_page(u32 pfn, u32 usage) { PVCALL2(alloc_page, pfn, usage); }
static inline void pv_release_page(u32 pfn, u32 usage) { PVCALL2(release_page, pfn, usage); }
static inline void pv_invlpg(u32 va) { PVCALL1(invlpg, va); }
static inline void pv_flush_tlb(u32 flags) { PVCALL1(flush_tlb, flags); }
static inline void pv_set_deferred_mode(u32 bits) { PVCALL1(set_deferred_mode, bits); }
static inline void pv_flush_deferred(void) { PVCALL0(flush_deferred); }
static inline void pv_halt(void) { PVCALL0(halt); }
static inline void pv_pause(void) { PVCALL0(pause); }
static inline void pv_shutdown(void) { PVCALL0(shutdown); }
static inline void pv_io_delay(void) { PVCALL0(io_delay); }
static inline u32 pv_apic_read(u32 offset) { return PVCALL1(apic_read, APIC_ARCH + offset); }
static inline void pv_apic_write(u32 offset, u32 v) { PVCALL2(apic_write, APIC_ARCH + offset, v); }
static inline u64 pv_cycle_counter(void) { return PVCALL1_64(cycle_counter, 0); }

/* ---------------- lib ---------------- */
void *memcpy(void *d, const void *s, size_t n);
void *memset(void *d, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
void kprintf(const char *fmt, ...);
void panic(const char *fmt, ...) __attribute__((noreturn));
void serial_init(void);
void serial_putc(char c);
void debug_exit(u32 code) __attribute__((noreturn));
#define EXIT_OK 0
#define EXIT_FAIL 1
#define EXIT_PANIC 2

/* spinlocks (IF state handled by the caller or by the _irqsave forms) */
struct spinlock { volatile u32 locked; };
void spin_lock(struct spinlock *l);
void spin_unlock(struct spinlock *l);
u32 spin_lock_irqsave(struct spinlock *l);
void spin_unlock_irqrestore(struct spinlock *l, u32 f);

/* ---------------- cmdline ---------------- */
const char *cmdline_get(const char *key);   /* value of key=value, "" for bare flag, NULL if absent */
bool cmdline_has(const char *key);
u32 scaled(u32 base);                        /* base * scale, at least 1 */

/* ---------------- memory ---------------- */
void pmm_init(u32 mbi_phys);
u32 pmm_alloc(void);                /* physical address of a zeroed page, panics when out */
void pmm_free(u32 pa);
void page_ref(u32 pa);
u32 page_unref(u32 pa);             /* returns new count, frees at 0 */
u32 page_refcount(u32 pa);
u32 pmm_free_count(void);
extern u32 phys_top, phys_map_top;
extern u32 kernel_pd_phys;          /* CR3 of the kernel address space (PDPT with PAE) */
extern bool pae;
void pte_set(u32 *pte, u32 val);    /* through pv.set_pxe or pv.set_pxe_long */
void paging_init(void);
void fixmap_set(u32 va, u32 pa, u32 flags);
u32 *fixmap_pte(u32 va);
/* a user address space; the software table of page-table pointers avoids
   reading back page-directory entries that may still be queued (deferred) */
#define USER_PDES_MAX 1536           /* 768 4-MiB or 1536 2-MiB slots below 0xC0000000 */
struct mm {
    u32 *pd;                         /* page directory, or the PDPT with PAE */
    u32 pd_phys;                     /* the CR3 value */
    u32 *upd[3];                     /* PAE: the three user page directories */
    u32 *pt[USER_PDES_MAX];
    int used;
};
struct mm *mm_create(void);         /* kernel half shared, user image mapped */
struct mm *mm_copy(struct mm *src); /* fork: copy-on-write */
void mm_destroy(struct mm *mm);
u32 *mm_pte(struct mm *mm, u32 va, bool create);
void mm_map(struct mm *mm, u32 va, u32 pa, u32 flags);
int mm_map_zero(struct mm *mm, u32 va, u32 npages);
void mm_unmap(struct mm *mm, u32 va, u32 npages, bool current);
int mm_fault(struct mm *mm, u32 va, u32 err);
#define USER_IMAGE_VA 0x00400000u
#define USER_HEAP_VA  0x10000000u
#define USER_HEAP_END 0x30000000u
#define USER_STACK_TOP 0xBFFFF000u
#define USER_STACK_LOW 0xBF000000u

/* ---------------- traps ---------------- */
struct trapframe {
    u32 edi, esi, ebp, oesp, ebx, edx, ecx, eax;
    u32 gs, fs, es, ds;
    u32 trapno, err;
    u32 eip, cs, eflags;
    u32 esp, ss;   /* only from user mode */
};
void cpu_tables_init(int cpu);   /* GDT/TSS/IDT on the calling CPU */
void idt_build(void);
void idt_set_gate(u32 v, u32 handler, u32 dpl);
void idt_reset_gate(u32 v);
void sysenter_init(int cpu);
extern u32 sysenter_slot[MAX_CPUS];
extern bool use_sysenter;
void trap(struct trapframe *tf);
extern void trapret(void);
#define T_PGFLT 14
#define T_SYSCALL 0x80
#define T_TIMER 0x40
#define T_IPI_WAKE 0x41
#define T_IPI_TLB 0x42
#define T_SPURIOUS 0xFF

/* ---------------- cpus ---------------- */
struct context { u32 edi, esi, ebx, ebp, eip; };
struct proc;
struct cpu {
    int id;
    u32 apic_id;
    volatile int started;
    struct context *scheduler;
    struct proc *proc;
    struct tss *tss;
    u32 *gdt;
    u32 ticks;
    u32 sched_stack;
    volatile u32 smp_gen_done;
};
extern struct cpu cpus[MAX_CPUS];
extern int ncpu;
extern volatile int cpus_online;
struct cpu *mycpu(void);
int cpu_index(void);
void apic_init_bsp(void);
void apic_init_cpu(void);
void apic_eoi(void);
u32 apic_id_read(void);
void apic_send_ipi(u32 apic_id, u32 vector);
void apic_send_ipi_all_but_self(u32 vector);
void timer_start(void);
void timer_stop(void);
void smp_detect(void);
void smp_boot(void);
void ap_main(void) __attribute__((noreturn));
void tlb_ipi_handler(void);
extern bool has_apic;

/* ---------------- processes ---------------- */
enum pstate { P_UNUSED, P_EMBRYO, P_SLEEPING, P_RUNNABLE, P_RUNNING, P_ZOMBIE };
struct proc {
    enum pstate state;
    int pid;
    struct mm *mm;
    u32 kstack;          /* base (virtual) of the kernel stack page */
    struct trapframe *tf;
    struct context *ctx;
    struct proc *parent;
    void *chan;
    int exit_code;
    int affinity;        /* cpu index or -1 */
    u32 slice;
    int killed;
};
#define NPROC 64
extern struct spinlock ptable_lock;
void proc_init(void);
struct proc *spawn_user(u32 entry, u32 arg0, u32 arg1, int affinity);
void scheduler_loop(int until_idle) ;
void yield(void);
void sleep_on(void *chan, struct spinlock *lk);
void wakeup(void *chan);
int proc_fork(void);
void proc_exit(int code) __attribute__((noreturn));
int proc_wait(int *code);
void syscall(struct trapframe *tf);
void swtch(struct context **old, struct context *new_);
extern volatile int live_procs;
void run_user_workload(u32 entry, u32 arg0, u32 arg1);

/* ---------------- workloads ---------------- */
struct workload {
    const char *name;
    const char *group;   /* cpu, os, smp */
    u32 base_iters;      /* iterations at scale=1 */
    u32 (*run)(u32 iters);   /* returns checksum */
};
extern const struct workload workloads_cpu[];
extern const struct workload workloads_os[];
extern const struct workload workloads_smp[];
u32 crc32_update(u32 crc, const void *p, u32 n);
extern volatile u32 user_report;
u32 sys_ptemod(u32 va, u32 iters);

/* privileged-operation microbenchmarks (vmibench.c, cmdline vmibench) */
void vmibench_run(const char *list);

/* asm interpreter (interp.S) */
u32 interp_run_a(const u8 *code, u32 *regs, u32 *mem);
u32 interp_run_b(const u8 *code, u32 *regs, u32 *mem);
extern char interp_dispatch_a[], interp_dispatch_b[];

#endif
