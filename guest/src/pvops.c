/* vmidbt guest: the paravirt operations table.
 *
 * Every privileged or sensitive operation of the kernel goes through `pv`.
 * At boot `pv` holds the native implementations (real instructions). If a
 * VMI ROM is found (ABI section 3) and its Init call succeeds, `pv` is
 * switched to the VMI implementations, which call the ROM (GCC regparm(3)
 * convention). The kernel links to the ROM one of three ways, chosen with
 * `vmi=` on the command line (guest/README.md):
 *   proposal  the 2006 proposal, revision 13.4: call N at rom_base + N*32
 *   vmware13  VMware's revision 13.3: each call's address from
 *             GetRelocationInfo (85), its numbers and conventions
 *   linux3    VMI API 3.0 as Linux 2.6.2x used it: Init and get_reloc at
 *             header offsets 0x80 and 0x88, Linux's numbers and conventions;
 *             what API 3.0 lacks (port I/O, GetPxE, SwapPxE) is done
 *             natively, the way Linux did it
 * vmi_addr[i] holds the address of each call, indexed by its proposal
 * number (plus two Linux-only calls after them). */
#include "kernel.h"

typedef u32 RP (*vfn0)(void);
typedef u32 RP (*vfn1)(u32);
typedef u32 RP (*vfn2)(u32, u32);
typedef u32 RP (*vfn3)(u32, u32, u32);
typedef u32 RP (*vfn4)(u32, u32, u32, u32);
typedef u32 RP (*vfn5)(u32, u32, u32, u32, u32);
typedef u64 RP (*vfn0_64)(void);
typedef u64 RP (*vfn1_64)(u32);
typedef u64 RP (*vfn3_64)(u32, u32, u32);

/* call numbers, ABI section 5 */
enum {
    VMI_Init = 4, VMI_CPUID = 5, VMI_WRMSR = 6, VMI_RDMSR = 7,
    VMI_SetGDT = 8, VMI_SetLDT = 9, VMI_SetIDT = 10, VMI_SetTR = 11,
    VMI_GetGDT = 12, VMI_GetLDT = 13, VMI_GetIDT = 14, VMI_GetTR = 15,
    VMI_WriteGDTEntry = 16, VMI_WriteLDTEntry = 17, VMI_WriteIDTEntry = 18,
    VMI_UpdateKernelStack = 19,
    VMI_SetCR0 = 20, VMI_SetCR2 = 21, VMI_SetCR3 = 22, VMI_SetCR4 = 23,
    VMI_GetCR0 = 24, VMI_GetCR2 = 25, VMI_GetCR3 = 26, VMI_GetCR4 = 27,
    VMI_INVD = 28, VMI_WBINVD = 29, VMI_SetDR = 30, VMI_GetDR = 31,
    VMI_RDPMC = 32, VMI_RDTSC = 33, VMI_CLTS = 34,
    VMI_EnableInterrupts = 35, VMI_DisableInterrupts = 36,
    VMI_GetInterruptMask = 37, VMI_SetInterruptMask = 38,
    VMI_IRET = 39, VMI_SYSEXIT = 40, VMI_Pause = 41, VMI_Halt = 42,
    VMI_Reboot = 43, VMI_Shutdown = 44,
    VMI_SetPxE = 45, VMI_GetPxE = 46, VMI_SwapPxE = 47,
    VMI_SetPxELong = 48, VMI_GetPxELong = 49, VMI_SwapPxELongAtomic = 50,
    VMI_TestAndSetPxEBit = 51, VMI_TestAndClearPxEBit = 52,
    VMI_AllocatePage = 53, VMI_ReleasePage = 54, VMI_InvalPage = 55,
    VMI_FlushTLB = 56, VMI_FlushDeferredCalls = 57, VMI_SetLinearMapping = 58,
    VMI_IN = 59, VMI_INB = 60, VMI_INW = 61, VMI_INS = 62, VMI_INSB = 63, VMI_INSW = 64,
    VMI_OUT = 65, VMI_OUTB = 66, VMI_OUTW = 67, VMI_OUTS = 68, VMI_OUTSB = 69, VMI_OUTSW = 70,
    VMI_SetIOPLMask = 71, VMI_DeactivatePxELongAtomic = 72,
    VMI_TestAndSetPxELongBit = 73, VMI_TestAndClearPxELongBit = 74,
    VMI_SetInitialAPState = 75, VMI_APICWrite = 76, VMI_APICRead = 77,
    VMI_IODelay = 78, VMI_GetCycleFrequency = 79, VMI_GetCycleCounter = 80,
    VMI_SetAlarm = 81, VMI_CancelAlarm = 82, VMI_GetWallclockTime = 83,
    VMI_WallclockUpdated = 84, VMI_GetRelocationInfo = 85, VMI_SetPxEFlags = 86, VMI_SetPxELongFlags = 87,
    VMI_SetDeferredMode = 88,
    /* API 3.0 only */
    VMI_UpdatePxE = 89, VMI_SetLazyMode = 90,
    VMI_NCALLS = 91,
};

enum { ABI_PROPOSAL, ABI_VMWARE13, ABI_LINUX3 };
static const char *const abi_names[] = { "proposal", "vmware13", "linux3" };

/* flags of the page-table calls of 13.3 and API 3.0 */
#define VMI_PAGE_PT 0x01
#define VMI_PAGE_DEFER 0x20
#define VMI_PAGE_ZEROED_LINUX 0x40      /* API 3.0's AllocatePage hint: the page is zeroed */
#define VMI_FLUSH_PT_UPDATES 0x80       /* 13.3's FlushDeferredCalls selection */
#define VMI_FLUSH_CPU_STATE 0x40
#define RELOC_CALL 1
#define RELOC_JUMP 2

int vmi_active;
u32 vmi_rom_base;
u32 vmi_iret_addr;
u32 kernel_rpl;
u8 vmi_version_major, vmi_version_minor;
const char *vmi_abi_name = "proposal";
static int vmi_abi;
static u32 vmi_rom_phys, vmi_rom_len;
static u32 vmi_addr[VMI_NCALLS];
static u32 defer_bits;               /* the deferred mode the kernel asked for (13.3 keeps none itself) */

#define SLOT(n) (vmi_addr[n])
#define V0(n) ((vfn0)SLOT(n))
#define V1(n) ((vfn1)SLOT(n))
#define V2(n) ((vfn2)SLOT(n))
#define V3(n) ((vfn3)SLOT(n))
#define V4(n) ((vfn4)SLOT(n))
#define V5(n) ((vfn5)SLOT(n))

/* ======================= native implementations ======================= */
static void n_cpuid(u32 leaf, u32 sub, u32 r[4]) {
    __asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "0"(leaf), "2"(sub));
}
static u64 n_rdmsr(u32 msr) { u64 v; __asm__ volatile("rdmsr" : "=A"(v) : "c"(msr)); return v; }
static void n_wrmsr(u32 msr, u64 v) { __asm__ volatile("wrmsr" : : "c"(msr), "A"(v)); }
static void n_set_gdt(const struct dtr *d) { __asm__ volatile("lgdt %0" : : "m"(*d)); }
static void n_set_idt(const struct dtr *d) { __asm__ volatile("lidt %0" : : "m"(*d)); }
static void n_set_ldt(u32 sel) { __asm__ volatile("lldt %w0" : : "r"(sel)); }
static void n_set_tr(u32 sel) { __asm__ volatile("ltr %w0" : : "r"(sel)); }
static void n_get_gdt(struct dtr *d) { __asm__ volatile("sgdt %0" : "=m"(*d)); }
static void n_get_idt(struct dtr *d) { __asm__ volatile("sidt %0" : "=m"(*d)); }
static u32 n_get_ldt(void) { u32 s = 0; __asm__ volatile("sldt %w0" : "=r"(s)); return s & 0xFFFF; }
static u32 n_get_tr(void) { u32 s = 0; __asm__ volatile("str %w0" : "=r"(s)); return s & 0xFFFF; }
static void n_write_desc(void *table, u32 idx, u32 lo, u32 hi) {
    volatile u32 *t = (volatile u32 *)table;
    t[idx * 2] = lo;
    t[idx * 2 + 1] = hi;
}
static void RP n_update_kernel_stack(struct tss *t, u32 esp0) { t->esp0 = esp0; t->esp1 = esp0; }
static u32 RP n_read_cr0(void) { u32 v; __asm__ volatile("mov %%cr0, %0" : "=r"(v)); return v; }
static u32 RP n_read_cr2(void) { u32 v; __asm__ volatile("mov %%cr2, %0" : "=r"(v)); return v; }
static u32 RP n_read_cr3(void) { u32 v; __asm__ volatile("mov %%cr3, %0" : "=r"(v)); return v; }
static u32 RP n_read_cr4(void) { u32 v; __asm__ volatile("mov %%cr4, %0" : "=r"(v)); return v; }
static void RP n_write_cr0(u32 v) { __asm__ volatile("mov %0, %%cr0" : : "r"(v) : "memory"); }
static void RP n_write_cr2(u32 v) { __asm__ volatile("mov %0, %%cr2" : : "r"(v) : "memory"); }
static void RP n_write_cr3(u32 v) { __asm__ volatile("mov %0, %%cr3" : : "r"(v) : "memory"); }
static void RP n_write_cr4(u32 v) { __asm__ volatile("mov %0, %%cr4" : : "r"(v) : "memory"); }
static void RP n_clts(void) { __asm__ volatile("clts"); }
static void RP n_wbinvd(void) { __asm__ volatile("wbinvd" ::: "memory"); }
static void RP n_irq_enable(void) { __asm__ volatile("sti" ::: "memory"); }
static void RP n_irq_disable(void) { __asm__ volatile("cli" ::: "memory"); }
static u32 RP n_save_flags(void) { u32 f; __asm__ volatile("pushfl; popl %0" : "=r"(f) : : "memory"); return f & 0x200; }
static void RP n_restore_flags(u32 f) { if (f & 0x200) n_irq_enable(); else n_irq_disable(); }
static void RP n_halt(void) { __asm__ volatile("sti; hlt" ::: "memory"); }
static void RP n_pause(void) { __asm__ volatile("pause"); }
static void RP n_shutdown(void) { __asm__ volatile("cli; hlt"); }
static void n_outb(u8 v, u16 p);
/* the chipset's reset control register: 0x06 resets the CPUs, 0x0E the whole board */
static void RP n_reboot(u32 hard) { n_outb(hard ? 0x0E : 0x06, 0xCF9); }
static u64 RP n_rdtsc(void) { u64 v; __asm__ volatile("rdtsc" : "=A"(v)); return v; }
static u64 RP n_cycle_counter(u32 counter) { (void)counter; return n_rdtsc(); }
static void RP n_set_pxe(u32 v, u32 *p) { *(volatile u32 *)p = v; }
static void RP n_set_pxe_long(u64 v, u32 *p) {
    volatile u32 *q = p;
    if (v & 1) { q[1] = (u32)(v >> 32); barrier(); q[0] = (u32)v; }   /* present bit written last */
    else { q[0] = (u32)v; barrier(); q[1] = (u32)(v >> 32); }
}
static u32 RP n_get_pxe(u32 *p) { return *(volatile u32 *)p; }
static u32 RP n_swap_pxe(u32 v, u32 *p) { return xchg((volatile u32 *)p, v); }
static void RP n_page_nop(u32 pfn, u32 usage) { (void)pfn; (void)usage; }
static void RP n_invlpg(u32 va) { __asm__ volatile("invlpg (%0)" : : "r"(va) : "memory"); }
static void RP n_flush_tlb(u32 flags) {
    u32 cr4 = 0;
    if ((flags & 2) && (cr4 = n_read_cr4()) & 0x80) {  /* PGE: toggle to drop globals */
        n_write_cr4(cr4 & ~0x80u);
        n_write_cr4(cr4);
    } else {
        n_write_cr3(n_read_cr3());
    }
}
static void RP n_nop1(u32 x) { (void)x; }
static void RP n_nop(void) {}
static u8 n_inb(u16 p) { u8 v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(p)); return v; }
static u16 n_inw(u16 p) { u16 v; __asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(p)); return v; }
static u32 n_inl(u16 p) { u32 v; __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(p)); return v; }
static void n_outb(u8 v, u16 p) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(p)); }
static void n_outw(u16 v, u16 p) { __asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(p)); }
static void n_outl(u32 v, u16 p) { __asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(p)); }
static void RP n_io_delay(void) { n_outb(0, 0x80); }
static u32 RP n_apic_read(u32 reg) { return *(volatile u32 *)(APIC_VA + (reg & 0xFFF)); }
static void RP n_apic_write(u32 reg, u32 v) { *(volatile u32 *)(APIC_VA + (reg & 0xFFF)) = v; }
static u64 n_cycle_frequency(void) { return 0; /* unknown natively; TSC */ }
static void n_set_alarm(u32 f, u64 e, u64 p) { (void)f; (void)e; (void)p; }
static u32 n_cancel_alarm(u32 c) { (void)c; return 0; }
static void n_set_initial_ap_state(struct apstate *s, u32 id) { (void)s; (void)id; }

struct pv_ops pv = {
    .name = "native",
    .cpuid = n_cpuid, .rdmsr = n_rdmsr, .wrmsr = n_wrmsr,
    .set_gdt = n_set_gdt, .set_idt = n_set_idt, .set_ldt = n_set_ldt, .set_tr = n_set_tr,
    .get_gdt = n_get_gdt, .get_idt = n_get_idt, .get_ldt = n_get_ldt, .get_tr = n_get_tr,
    .write_gdt_entry = n_write_desc, .write_ldt_entry = n_write_desc, .write_idt_entry = n_write_desc,
    .update_kernel_stack = n_update_kernel_stack,
    .read_cr0 = n_read_cr0, .read_cr2 = n_read_cr2, .read_cr3 = n_read_cr3, .read_cr4 = n_read_cr4,
    .write_cr0 = n_write_cr0, .write_cr2 = n_write_cr2, .write_cr3 = n_write_cr3, .write_cr4 = n_write_cr4,
    .clts = n_clts, .wbinvd = n_wbinvd,
    .irq_enable = n_irq_enable, .irq_disable = n_irq_disable,
    .save_flags = n_save_flags, .restore_flags = n_restore_flags,
    .halt = n_halt, .pause = n_pause, .shutdown = n_shutdown, .reboot = n_reboot, .rdtsc = n_rdtsc,
    .set_pxe = n_set_pxe, .set_pxe_long = n_set_pxe_long, .get_pxe = n_get_pxe, .swap_pxe = n_swap_pxe,
    .alloc_page = n_page_nop, .release_page = n_page_nop,
    .invlpg = n_invlpg, .flush_tlb = n_flush_tlb,
    .set_deferred_mode = n_nop1, .flush_deferred = n_nop,
    .inb = n_inb, .inw = n_inw, .inl = n_inl, .outb = n_outb, .outw = n_outw, .outl = n_outl,
    .io_delay = n_io_delay,
    .apic_read = n_apic_read, .apic_write = n_apic_write,
    .cycle_counter = n_cycle_counter, .cycle_frequency = n_cycle_frequency,
    .set_alarm = n_set_alarm, .cancel_alarm = n_cancel_alarm,
    .set_initial_ap_state = n_set_initial_ap_state,
};

/* ========================= VMI implementations ========================= */
static void v_cpuid(u32 leaf, u32 sub, u32 r[4]) {
    u32 fn = SLOT(VMI_CPUID);
    __asm__ volatile("call *%4"
                     : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
                     : "S"(fn), "0"(leaf), "2"(sub) : "memory", "cc");
}
static u64 v_rdmsr(u32 msr) { return ((vfn3_64)SLOT(VMI_RDMSR))(0, 0, msr); }  /* ECX msr */
static void v_wrmsr(u32 msr, u64 v) { V3(VMI_WRMSR)((u32)v, (u32)(v >> 32), msr); }
static void v_set_gdt(const struct dtr *d) { V1(VMI_SetGDT)((u32)d); }
static void v_set_idt(const struct dtr *d) { V1(VMI_SetIDT)((u32)d); }
static void v_set_ldt(u32 sel) { V1(VMI_SetLDT)(sel); }
static void v_set_tr(u32 sel) { V1(VMI_SetTR)(sel); }
static void v_get_gdt(struct dtr *d) { V1(VMI_GetGDT)((u32)d); }
static void v_get_idt(struct dtr *d) { V1(VMI_GetIDT)((u32)d); }
static u32 v_get_ldt(void) { return V0(VMI_GetLDT)(); }
static u32 v_get_tr(void) { return V0(VMI_GetTR)(); }
static void v_write_gdt_entry(void *t, u32 i, u32 lo, u32 hi) { V4(VMI_WriteGDTEntry)((u32)t, i, lo, hi); }
static void v_write_ldt_entry(void *t, u32 i, u32 lo, u32 hi) { V4(VMI_WriteLDTEntry)((u32)t, i, lo, hi); }
static void v_write_idt_entry(void *t, u32 i, u32 lo, u32 hi) { V4(VMI_WriteIDTEntry)((u32)t, i, lo, hi); }
/* Each of these with RP is exactly its ROM call, same registers in and out
   (pv_patch may replace a call of it by a call of the ROM slot). */
static void RP v_update_kernel_stack(struct tss *t, u32 esp0) { V2(VMI_UpdateKernelStack)((u32)t, esp0); }
static u32 RP v_read_cr0(void) { return V0(VMI_GetCR0)(); }
static u32 RP v_read_cr2(void) { return V0(VMI_GetCR2)(); }
static u32 RP v_read_cr3(void) { return V0(VMI_GetCR3)(); }
static u32 RP v_read_cr4(void) { return V0(VMI_GetCR4)(); }
static void RP v_write_cr0(u32 v) { V1(VMI_SetCR0)(v); }
static void RP v_write_cr2(u32 v) { V1(VMI_SetCR2)(v); }
static void RP v_write_cr3(u32 v) { V1(VMI_SetCR3)(v); }
static void RP v_write_cr4(u32 v) { V1(VMI_SetCR4)(v); }
static void RP v_clts(void) { V0(VMI_CLTS)(); }
static void RP v_wbinvd(void) { V0(VMI_WBINVD)(); }
static void RP v_irq_enable(void) { V0(VMI_EnableInterrupts)(); }
static void RP v_irq_disable(void) { V0(VMI_DisableInterrupts)(); }
static u32 RP v_save_flags(void) { return V0(VMI_GetInterruptMask)(); }   /* 0x200 or 0 */
static void RP v_restore_flags(u32 f) { V1(VMI_SetInterruptMask)(f); }    /* the ROM looks at IF only */
static void RP v_halt(void) { V0(VMI_Halt)(); }
static void RP v_pause(void) { V0(VMI_Pause)(); }
static void RP v_shutdown(void) { V0(VMI_Shutdown)(); }
static void RP v_reboot(u32 hard) { V1(VMI_Reboot)(hard); }
static u64 RP v_rdtsc(void) { return ((vfn0_64)SLOT(VMI_RDTSC))(); }
static void RP v_set_pxe(u32 v, u32 *p) { V2(VMI_SetPxE)(v, (u32)p); }
static void RP v_set_pxe_long(u64 v, u32 *p) { V3(VMI_SetPxELong)((u32)v, (u32)(v >> 32), (u32)p); }
static u32 RP v_get_pxe(u32 *p) { return V1(VMI_GetPxE)((u32)p); }
static u32 RP v_swap_pxe(u32 v, u32 *p) { return V2(VMI_SwapPxE)(v, (u32)p); }
static void RP v_alloc_page(u32 pfn, u32 usage) { V2(VMI_AllocatePage)(pfn, usage); }
static void RP v_release_page(u32 pfn, u32 usage) { V2(VMI_ReleasePage)(pfn, usage); }
static void RP v_invlpg(u32 va) { V1(VMI_InvalPage)(va); }
static void RP v_flush_tlb(u32 flags) { V1(VMI_FlushTLB)(flags); }
static void RP v_set_deferred_mode(u32 bits) { V1(VMI_SetDeferredMode)(bits); }
static void RP v_flush_deferred(void) { V0(VMI_FlushDeferredCalls)(); }

/* --- revision 13.3 and API 3.0: page-table writes carry a flags word --- */
static u32 pxe_flags(void) { return VMI_PAGE_PT | (defer_bits & DEFER_MMU ? VMI_PAGE_DEFER : 0); }
static void RP f_set_pxe(u32 v, u32 *p) { V3(VMI_SetPxEFlags)(v, (u32)p, pxe_flags()); }
static void RP f_set_pxe_long(u64 v, u32 *p) { V4(VMI_SetPxELongFlags)((u32)v, (u32)(v >> 32), (u32)p, pxe_flags()); }
static void RP f_alloc_page(u32 pfn, u32 usage) {
    /* API 3.0 is told page tables come zeroed, as pmm_alloc hands them out */
    u32 hint = vmi_abi == ABI_LINUX3 ? VMI_PAGE_ZEROED_LINUX : 0;
    V5(VMI_AllocatePage)(pfn, usage | hint, 0, 0, 0);
}

/* --- revision 13.3: no deferred-mode call; updates carry DEFER, FlushDeferredCalls selects --- */
static void RP r_set_deferred_mode(u32 bits) {
    u32 narrowing = defer_bits & ~bits;
    defer_bits = bits;
    if (narrowing) V1(VMI_FlushDeferredCalls)(VMI_FLUSH_PT_UPDATES | VMI_FLUSH_CPU_STATE);
}
static void RP r_flush_deferred(void) { V1(VMI_FlushDeferredCalls)(VMI_FLUSH_PT_UPDATES | VMI_FLUSH_CPU_STATE); }

/* --- API 3.0 --- */
static void RP l_set_deferred_mode(u32 bits) { defer_bits = bits; V1(VMI_SetLazyMode)(bits); }
static void RP l_flush_deferred(void) {
    /* leaving lazy mode applies what it held; then back in */
    if (!defer_bits) return;
    V1(VMI_SetLazyMode)(DEFER_NONE);
    V1(VMI_SetLazyMode)(defer_bits);
}
/* Linux passes the kernel data selector (RPL 0) and the stack pointer, not the TSS */
static void RP l_update_kernel_stack(struct tss *t, u32 esp0) { (void)t; V2(VMI_UpdateKernelStack)(SEL_KDATA, esp0); }
/* Linux exchanges entries itself, then tells the hypervisor (ptep_get_and_clear, pte_update) */
static u32 RP l_swap_pxe(u32 v, u32 *p) {
    u32 old = xchg((volatile u32 *)p, v);
    V2(VMI_UpdatePxE)((u32)p, VMI_PAGE_PT);
    return old;
}
/* the register's offset alone, as Linux's apic_read/apic_write pass it */
static u32 RP l_apic_read(u32 reg) { return V1(VMI_APICRead)(reg & 0xFFF); }
static void RP l_apic_write(u32 reg, u32 v) { V2(VMI_APICWrite)(reg & 0xFFF, v); }
/* Linux builds the AP's state on its stack, with RPL-0 kernel selectors: the ROM starts the AP at its kernel level */
static void l_set_initial_ap_state(struct apstate *s, u32 id) {
    struct { u8 pad[3]; struct apstate a; } __attribute__((packed)) frame;   /* deliberately not even 4-aligned */
    memcpy(&frame.a, s, sizeof *s);
    frame.a.cs = SEL_KCODE;
    frame.a.ss = frame.a.ds = frame.a.es = frame.a.fs = frame.a.gs = SEL_KDATA;
    V2(VMI_SetInitialAPState)((u32)&frame.a, id);
}

static u8 v_inb(u16 p) { return (u8)V2(VMI_INB)(0, p); }
static u16 v_inw(u16 p) { return (u16)V2(VMI_INW)(0, p); }
static u32 v_inl(u16 p) { return V2(VMI_IN)(0, p); }
static void v_outb(u8 v, u16 p) { V2(VMI_OUTB)(v, p); }
static void v_outw(u16 v, u16 p) { V2(VMI_OUTW)(v, p); }
static void v_outl(u32 v, u16 p) { V2(VMI_OUT)(v, p); }
static void RP v_io_delay(void) { V0(VMI_IODelay)(); }
/* APICRead/APICWrite take the register's address inside the APIC page: the
   callers (pv_apic_read, pv_apic_write) pass the architectural physical
   address 0xFEE00000 + offset. */
static u32 RP v_apic_read(u32 reg) { return V1(VMI_APICRead)(reg); }
static void RP v_apic_write(u32 reg, u32 v) { V2(VMI_APICWrite)(reg, v); }
static u64 RP v_cycle_counter(u32 counter) { return ((vfn1_64)SLOT(VMI_GetCycleCounter))(counter); }
static u64 v_cycle_frequency(void) { return ((vfn0_64)SLOT(VMI_GetCycleFrequency))(); }
static void v_set_alarm(u32 flags, u64 e, u64 p) {
    V5(VMI_SetAlarm)(flags, (u32)e, (u32)(e >> 32), (u32)p, (u32)(p >> 32));
}
static u32 v_cancel_alarm(u32 c) { return V1(VMI_CancelAlarm)(c); }
static void v_set_initial_ap_state(struct apstate *s, u32 id) { V2(VMI_SetInitialAPState)((u32)s, id); }

static const struct pv_ops vmi_ops = {
    .name = "vmi",
    .cpuid = v_cpuid, .rdmsr = v_rdmsr, .wrmsr = v_wrmsr,
    .set_gdt = v_set_gdt, .set_idt = v_set_idt, .set_ldt = v_set_ldt, .set_tr = v_set_tr,
    .get_gdt = v_get_gdt, .get_idt = v_get_idt, .get_ldt = v_get_ldt, .get_tr = v_get_tr,
    .write_gdt_entry = v_write_gdt_entry, .write_ldt_entry = v_write_ldt_entry,
    .write_idt_entry = v_write_idt_entry,
    .update_kernel_stack = v_update_kernel_stack,
    .read_cr0 = v_read_cr0, .read_cr2 = v_read_cr2, .read_cr3 = v_read_cr3, .read_cr4 = v_read_cr4,
    .write_cr0 = v_write_cr0, .write_cr2 = v_write_cr2, .write_cr3 = v_write_cr3, .write_cr4 = v_write_cr4,
    .clts = v_clts, .wbinvd = v_wbinvd,
    .irq_enable = v_irq_enable, .irq_disable = v_irq_disable,
    .save_flags = v_save_flags, .restore_flags = v_restore_flags,
    .halt = v_halt, .pause = v_pause, .shutdown = v_shutdown, .reboot = v_reboot, .rdtsc = v_rdtsc,
    .set_pxe = v_set_pxe, .set_pxe_long = v_set_pxe_long, .get_pxe = v_get_pxe, .swap_pxe = v_swap_pxe,
    .alloc_page = v_alloc_page, .release_page = v_release_page,
    .invlpg = v_invlpg, .flush_tlb = v_flush_tlb,
    .set_deferred_mode = v_set_deferred_mode, .flush_deferred = v_flush_deferred,
    .inb = v_inb, .inw = v_inw, .inl = v_inl, .outb = v_outb, .outw = v_outw, .outl = v_outl,
    .io_delay = v_io_delay,
    .apic_read = v_apic_read, .apic_write = v_apic_write,
    .cycle_counter = v_cycle_counter, .cycle_frequency = v_cycle_frequency,
    .set_alarm = v_set_alarm, .cancel_alarm = v_cancel_alarm,
    .set_initial_ap_state = v_set_initial_ap_state,
};

/* ============================ ROM detection ============================ */
/* Scan physical 0xC8000..0xDFFFF (through the boot mapping of low memory at
   KV) in 2 KiB steps for an option ROM carrying the VMI signature and the
   version the chosen linkage needs: major 13 (13.4 or later for the
   proposal, which has SetDeferredMode at 88; 13.3 or later for vmware13),
   or major 3 with a "GPL" license string and a PCI header for linux3. */
static int rom_fits(const u8 *rom) {
    u8 maj = rom[13], min = rom[12];
    switch (vmi_abi) {
    case ABI_PROPOSAL: return maj == 13 && min >= 4;
    case ABI_VMWARE13: return maj == 13 && min >= 3;
    default: {
        u16 lic = *(const u16 *)(rom + 0x16), pci = *(const u16 *)(rom + 0x18);
        return maj == 3 && lic && pci && strcmp((const char *)rom + lic, "GPL") == 0;
    }
    }
}

int vmi_probe(void) {
    for (u32 pa = 0xC8000; pa < 0xE0000; pa += 2048) {
        const u8 *rom = P2V(pa);
        if (rom[0] != 0x55 || rom[1] != 0xAA) continue;
        u32 len = (u32)rom[2] * 512;
        if (len == 0 || pa + len > 0xE0000 + 0x20000) continue;
        u8 sum = 0;
        for (u32 i = 0; i < len; i++) sum += rom[i];
        if (sum != 0) continue;
        if (*(const u32 *)(rom + 8) != 0x696D5663) continue;    /* "cVmi" */
        vmi_version_minor = rom[12];
        vmi_version_major = rom[13];
        vmi_rom_phys = pa;
        vmi_rom_len = len;
        if (!rom_fits(rom)) {
            kprintf("vmi: ROM at 0x%x is version %u.%u, not what vmi=%s links to; ignoring\n",
                    pa, vmi_version_major, vmi_version_minor, vmi_abi_name);
            continue;
        }
        return 1;
    }
    return 0;
}

/* ============================ linkage ============================ */
/* API 3.0's numbers of the calls the kernel uses, by proposal number */
static const u8 linux3_numbers[][2] = {
    { VMI_CPUID, 0 }, { VMI_WRMSR, 1 }, { VMI_RDMSR, 2 }, { VMI_SetGDT, 3 }, { VMI_SetLDT, 4 }, { VMI_SetIDT, 5 },
    { VMI_SetTR, 6 }, { VMI_GetGDT, 7 }, { VMI_GetLDT, 8 }, { VMI_GetIDT, 9 }, { VMI_GetTR, 10 },
    { VMI_WriteGDTEntry, 11 }, { VMI_WriteLDTEntry, 12 }, { VMI_WriteIDTEntry, 13 }, { VMI_UpdateKernelStack, 14 },
    { VMI_SetCR0, 15 }, { VMI_SetCR2, 16 }, { VMI_SetCR3, 17 }, { VMI_SetCR4, 18 },
    { VMI_GetCR0, 19 }, { VMI_GetCR2, 20 }, { VMI_GetCR3, 21 }, { VMI_GetCR4, 22 },
    { VMI_WBINVD, 23 }, { VMI_SetDR, 24 }, { VMI_GetDR, 25 }, { VMI_RDPMC, 26 }, { VMI_RDTSC, 27 }, { VMI_CLTS, 28 },
    { VMI_EnableInterrupts, 29 }, { VMI_DisableInterrupts, 30 }, { VMI_GetInterruptMask, 31 },
    { VMI_SetInterruptMask, 32 }, { VMI_IRET, 33 }, { VMI_SYSEXIT, 34 }, { VMI_Halt, 35 }, { VMI_Reboot, 36 },
    { VMI_Shutdown, 37 }, { VMI_SetPxEFlags, 38 }, { VMI_SetPxELongFlags, 39 }, { VMI_UpdatePxE, 40 },
    { VMI_AllocatePage, 44 }, { VMI_ReleasePage, 45 }, { VMI_InvalPage, 46 }, { VMI_FlushTLB, 47 },
    { VMI_SetLinearMapping, 48 }, { VMI_SetIOPLMask, 61 }, { VMI_SetInitialAPState, 62 }, { VMI_APICWrite, 63 },
    { VMI_APICRead, 64 }, { VMI_IODelay, 65 }, { VMI_GetCycleFrequency, 66 }, { VMI_GetCycleCounter, 67 },
    { VMI_SetAlarm, 68 }, { VMI_CancelAlarm, 69 }, { VMI_GetWallclockTime, 70 }, { VMI_WallclockUpdated, 71 },
    { VMI_SetLazyMode, 73 },
};

/* A relocation: EAX the address, DL the type (CALL_REL 1, JUMP_REL 2, NOP 3, NONE 0). */
static u32 relocation(u32 get_reloc, u32 call, int want) {
    u64 r = ((vfn1_64)get_reloc)(call);
    u32 type = (u32)(r >> 32) & 0xFF;
    if (type != (u32)want) panic("vmi: call %u has relocation type %u, need %d", call, type, want);
    return (u32)r;
}

static void vmi_link(void) {
    switch (vmi_abi) {
    case ABI_PROPOSAL:
        for (u32 n = VMI_Init; n <= VMI_SetDeferredMode; n++) vmi_addr[n] = vmi_rom_base + n * 32;
        break;
    case ABI_VMWARE13:
        /* every call through GetRelocationInfo, all CALL_REL (IRET is jumped to all the same) */
        for (u32 n = VMI_Init; n <= VMI_SetPxELongFlags; n++)
            vmi_addr[n] = relocation(vmi_rom_base + VMI_GetRelocationInfo * 32, n, RELOC_CALL);
        break;
    default:
        for (u32 k = 0; k < sizeof linux3_numbers / sizeof linux3_numbers[0]; k++) {
            u32 n = linux3_numbers[k][0];
            int jump = n == VMI_IRET || n == VMI_SYSEXIT;
            vmi_addr[n] = relocation(vmi_rom_base + 0x88, linux3_numbers[k][1], jump ? RELOC_JUMP : RELOC_CALL);
        }
    }
}

/* What each linkage does differently from the proposal's calls. */
static void vmi_adapt(void) {
    if (vmi_abi == ABI_PROPOSAL) return;
    pv.set_pxe = f_set_pxe;
    pv.set_pxe_long = f_set_pxe_long;
    pv.alloc_page = f_alloc_page;
    if (vmi_abi == ABI_VMWARE13) {
        pv.set_deferred_mode = r_set_deferred_mode;
        pv.flush_deferred = r_flush_deferred;
        return;
    }
    pv.set_deferred_mode = l_set_deferred_mode;
    pv.flush_deferred = l_flush_deferred;
    pv.update_kernel_stack = l_update_kernel_stack;
    pv.get_pxe = n_get_pxe;
    pv.swap_pxe = l_swap_pxe;
    pv.apic_read = l_apic_read;
    pv.apic_write = l_apic_write;
    pv.set_initial_ap_state = l_set_initial_ap_state;
    pv.pause = n_pause;
    /* API 3.0 has no port calls: Linux did in/out itself, so the kernel takes I/O privilege (IOPL 1) */
    pv.inb = n_inb; pv.inw = n_inw; pv.inl = n_inl;
    pv.outb = n_outb; pv.outw = n_outw; pv.outl = n_outl;
    V1(VMI_SetIOPLMask)(1u << 12);
}

/* Decide between native and VMI. */
static void pv_choose(bool allow_vmi) {
    kernel_rpl = 0;
    const char *abi = cmdline_get("vmi");
    if (abi) {
        for (vmi_abi = 0; vmi_abi < 3 && strcmp(abi, abi_names[vmi_abi]) != 0; vmi_abi++) {}
        if (vmi_abi == 3) panic("vmi=%s: expected proposal, vmware13 or linux3", abi);
        vmi_abi_name = abi_names[vmi_abi];
    }
    if (!allow_vmi || !vmi_probe()) return;
    vmi_rom_base = (u32)P2V(vmi_rom_phys);
    /* Init is at offset 0x80 in every layout (call 4 of revision 13, API 3.0's vmi_init) */
    u32 r = ((vfn0)(vmi_rom_base + 0x80))();
    if (r != 0) {
        kprintf("vmi: Init failed (%d); running native\n", (int)r);
        return;
    }
    vmi_link();
    pv = vmi_ops;
    vmi_adapt();
    vmi_active = 1;
    /* ABI 2: the kernel now runs deprivileged (CPL 1). Take the privilege
       level from CS itself (MOV from CS reveals the RPL, i.e. the CPL), so
       selectors and descriptors match whatever level Init left us in. */
    u32 cs;
    __asm__ volatile("movl %%cs, %0" : "=r"(cs));
    kernel_rpl = cs & 3;
    if (kernel_rpl == 3) panic("vmi: Init left the kernel at CPL 3");
    vmi_iret_addr = SLOT(VMI_IRET);
}

/* Decide between native and VMI, then patch the call sites for what was
   chosen (unless `nopatch`). Called once on the BSP after the boot page
   tables are live (ROM reachable at KV + physical) and before any other
   privileged operation that must be virtualized, and before any other CPU
   runs. */
void pv_init(bool allow_vmi) {
    pv_choose(allow_vmi);
    if (cmdline_has("nopatch")) kprintf("pvops: call sites not patched (nopatch)\n");
    else pv_patch();
}

/* ============================ call-site patching ============================ */
#define PV_SITE_LEN 6      /* call *pv+op: FF 15 disp32 */

/* the VMI wrappers that are exactly one ROM call (same registers in and out), by operation */
static const struct { u8 op, call; const void *fn; } rom_calls[] = {
    { PV_OP(update_kernel_stack), VMI_UpdateKernelStack, v_update_kernel_stack },
    { PV_OP(read_cr0), VMI_GetCR0, v_read_cr0 }, { PV_OP(read_cr2), VMI_GetCR2, v_read_cr2 },
    { PV_OP(read_cr3), VMI_GetCR3, v_read_cr3 }, { PV_OP(read_cr4), VMI_GetCR4, v_read_cr4 },
    { PV_OP(write_cr0), VMI_SetCR0, v_write_cr0 }, { PV_OP(write_cr2), VMI_SetCR2, v_write_cr2 },
    { PV_OP(write_cr3), VMI_SetCR3, v_write_cr3 }, { PV_OP(write_cr4), VMI_SetCR4, v_write_cr4 },
    { PV_OP(clts), VMI_CLTS, v_clts }, { PV_OP(wbinvd), VMI_WBINVD, v_wbinvd },
    { PV_OP(irq_enable), VMI_EnableInterrupts, v_irq_enable }, { PV_OP(irq_disable), VMI_DisableInterrupts, v_irq_disable },
    { PV_OP(save_flags), VMI_GetInterruptMask, v_save_flags }, { PV_OP(restore_flags), VMI_SetInterruptMask, v_restore_flags },
    { PV_OP(halt), VMI_Halt, v_halt }, { PV_OP(pause), VMI_Pause, v_pause }, { PV_OP(shutdown), VMI_Shutdown, v_shutdown },
    { PV_OP(reboot), VMI_Reboot, v_reboot }, { PV_OP(rdtsc), VMI_RDTSC, v_rdtsc },
    { PV_OP(set_pxe), VMI_SetPxE, v_set_pxe }, { PV_OP(set_pxe_long), VMI_SetPxELong, v_set_pxe_long },
    { PV_OP(get_pxe), VMI_GetPxE, v_get_pxe }, { PV_OP(swap_pxe), VMI_SwapPxE, v_swap_pxe },
    { PV_OP(alloc_page), VMI_AllocatePage, v_alloc_page }, { PV_OP(release_page), VMI_ReleasePage, v_release_page },
    { PV_OP(invlpg), VMI_InvalPage, v_invlpg }, { PV_OP(flush_tlb), VMI_FlushTLB, v_flush_tlb },
    { PV_OP(set_deferred_mode), VMI_SetDeferredMode, v_set_deferred_mode },
    { PV_OP(flush_deferred), VMI_FlushDeferredCalls, v_flush_deferred },
    { PV_OP(io_delay), VMI_IODelay, v_io_delay },
    { PV_OP(apic_read), VMI_APICRead, v_apic_read }, { PV_OP(apic_write), VMI_APICWrite, v_apic_write },
    { PV_OP(cycle_counter), VMI_GetCycleCounter, v_cycle_counter },
};

/* native functions and the instructions that do the same at a site (arguments
   as the site has them: EAX, EDX; a result in EAX or EDX:EAX); no bytes: nothing */
#define APIC_DISP 0x00, 0xF0, 0x1F, 0xFD   /* APIC_VA - APIC_ARCH: the window the native kernel maps */
static const struct { u8 op, len; u8 code[PV_SITE_LEN]; const void *fn; } native_code[] = {
    { PV_OP(irq_enable), 1, { 0xFB }, n_irq_enable },                       /* sti */
    { PV_OP(irq_disable), 1, { 0xFA }, n_irq_disable },                     /* cli */
    { PV_OP(save_flags), 2, { 0x9C, 0x58 }, n_save_flags },                 /* pushf; pop eax */
    { PV_OP(restore_flags), 2, { 0x50, 0x9D }, n_restore_flags },           /* push eax; popf */
    { PV_OP(read_cr0), 3, { 0x0F, 0x20, 0xC0 }, n_read_cr0 },               /* mov eax, crN */
    { PV_OP(read_cr2), 3, { 0x0F, 0x20, 0xD0 }, n_read_cr2 },
    { PV_OP(read_cr3), 3, { 0x0F, 0x20, 0xD8 }, n_read_cr3 },
    { PV_OP(read_cr4), 3, { 0x0F, 0x20, 0xE0 }, n_read_cr4 },
    { PV_OP(write_cr0), 3, { 0x0F, 0x22, 0xC0 }, n_write_cr0 },             /* mov crN, eax */
    { PV_OP(write_cr2), 3, { 0x0F, 0x22, 0xD0 }, n_write_cr2 },
    { PV_OP(write_cr3), 3, { 0x0F, 0x22, 0xD8 }, n_write_cr3 },
    { PV_OP(write_cr4), 3, { 0x0F, 0x22, 0xE0 }, n_write_cr4 },
    { PV_OP(clts), 2, { 0x0F, 0x06 }, n_clts },
    { PV_OP(wbinvd), 2, { 0x0F, 0x09 }, n_wbinvd },
    { PV_OP(halt), 2, { 0xFB, 0xF4 }, n_halt },                             /* sti; hlt */
    { PV_OP(pause), 2, { 0xF3, 0x90 }, n_pause },
    { PV_OP(shutdown), 2, { 0xFA, 0xF4 }, n_shutdown },                     /* cli; hlt */
    { PV_OP(rdtsc), 2, { 0x0F, 0x31 }, n_rdtsc },
    { PV_OP(cycle_counter), 2, { 0x0F, 0x31 }, n_cycle_counter },           /* rdtsc */
    { PV_OP(update_kernel_stack), 6, { 0x89, 0x50, 0x04, 0x89, 0x50, 0x0C }, n_update_kernel_stack },   /* esp0, esp1 */
    { PV_OP(set_pxe), 2, { 0x89, 0x02 }, n_set_pxe },                       /* mov [edx], eax */
    { PV_OP(get_pxe), 2, { 0x8B, 0x00 }, n_get_pxe },                       /* mov eax, [eax] */
    { PV_OP(swap_pxe), 2, { 0x87, 0x02 }, n_swap_pxe },                     /* xchg [edx], eax */
    { PV_OP(invlpg), 3, { 0x0F, 0x01, 0x38 }, n_invlpg },                   /* invlpg [eax] */
    { PV_OP(alloc_page), 0, { 0 }, n_page_nop },
    { PV_OP(release_page), 0, { 0 }, n_page_nop },
    { PV_OP(set_deferred_mode), 0, { 0 }, n_nop1 },
    { PV_OP(flush_deferred), 0, { 0 }, n_nop },
    { PV_OP(io_delay), 2, { 0xE6, 0x80 }, n_io_delay },                     /* out 0x80, al */
    { PV_OP(apic_read), 6, { 0x8B, 0x80, APIC_DISP }, n_apic_read },        /* mov eax, [eax + disp] */
    { PV_OP(apic_write), 6, { 0x89, 0x90, APIC_DISP }, n_apic_write },      /* mov [eax + disp], edx */
};

extern const struct pv_site __pvsites_start[], __pvsites_end[];

/* Rewrite every recorded site for what `pv` holds now (see kernel.h). */
void pv_patch(void) {
    u32 rom = 0, native = 0, direct = 0;
    for (const struct pv_site *s = __pvsites_start; s < __pvsites_end; s++) {
        u8 *at = (u8 *)s->addr;
        u32 fn = ((const u32 *)&pv)[s->op];
        u32 to = 0;
        for (u32 k = 0; vmi_active && k < sizeof rom_calls / sizeof rom_calls[0] && !to; k++)
            if (rom_calls[k].op == s->op && (u32)rom_calls[k].fn == fn) to = SLOT(rom_calls[k].call);
        if (to) rom++;
        for (u32 k = 0; !to && k < sizeof native_code / sizeof native_code[0]; k++) {
            if (native_code[k].op != s->op || (u32)native_code[k].fn != fn) continue;
            memcpy(at, native_code[k].code, native_code[k].len);
            memset(at + native_code[k].len, 0x90, PV_SITE_LEN - native_code[k].len);
            native++;
            to = ~0u;
        }
        if (to == ~0u) continue;
        if (!to) { to = fn; direct++; }
        /* nop; call rel32: the call returns to the end of the site */
        u32 rel = to - (s->addr + PV_SITE_LEN);
        at[0] = 0x90;
        at[1] = 0xE8;
        memcpy(at + 2, &rel, 4);
    }
    kprintf("pvops: %u call sites patched: %u to the VMI ROM, %u native, %u direct calls\n", rom + native + direct, rom, native, direct);
}


/* the linked address of a call, by its proposal number (0: this linkage has none) */
u32 vmi_call_address(u32 n) { return n < VMI_NCALLS ? vmi_addr[n] : 0; }
u32 vmi_rom_physical(void) { return vmi_rom_phys; }
u32 vmi_rom_length(void) { return vmi_rom_len; }
