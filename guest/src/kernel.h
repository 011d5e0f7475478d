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
    void (*update_kernel_stack)(struct tss *t, u32 esp0);
    u32 (*read_cr0)(void);
    u32 (*read_cr2)(void);
    u32 (*read_cr3)(void);
    u32 (*read_cr4)(void);
    void (*write_cr0)(u32);
    void (*write_cr2)(u32);
    void (*write_cr3)(u32);
    void (*write_cr4)(u32);
    void (*clts)(void);
    void (*wbinvd)(void);
    void (*irq_enable)(void);
    void (*irq_disable)(void);
    u32 (*save_flags)(void);        /* 0x200 if interrupts enabled */
    void (*restore_flags)(u32 f);
    void (*halt)(void);             /* enable interrupts and wait for one */
    void (*pause)(void);
    void (*shutdown)(void);
    void (*reboot)(u32 hard);       /* 0 soft (INIT-like, memory kept), 1 hard */
    u64 (*rdtsc)(void);
    void (*set_pxe)(u32 *ptr, u32 val);
    void (*set_pxe_long)(u32 *ptr, u64 val);   /* PAE entries */
    u32 (*get_pxe)(u32 *ptr);
    u32 (*swap_pxe)(u32 *ptr, u32 val);
    void (*alloc_page)(u32 pfn, u32 usage);
    void (*release_page)(u32 pfn, u32 usage);
    void (*invlpg)(u32 va);
    void (*flush_tlb)(u32 flags);   /* 1 non-global, 3 global too */
    void (*set_deferred_mode)(u32 bits);
    void (*flush_deferred)(void);
    u8 (*inb)(u16 port);
    u16 (*inw)(u16 port);
    u32 (*inl)(u16 port);
    void (*outb)(u8 v, u16 port);
    void (*outw)(u16 v, u16 port);
    void (*outl)(u32 v, u16 port);
    void (*io_delay)(void);
    u32 (*apic_read)(u32 reg);      /* reg: offset in the APIC page */
    void (*apic_write)(u32 reg, u32 v);
    u64 (*cycle_counter)(void);
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

/* asm interpreter (interp.S) */
u32 interp_run_a(const u8 *code, u32 *regs, u32 *mem);
u32 interp_run_b(const u8 *code, u32 *regs, u32 *mem);
extern char interp_dispatch_a[], interp_dispatch_b[];

#endif
