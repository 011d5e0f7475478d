/* vmidbt guest: physical page allocator, kernel paging, user address spaces.
 * Every page-table write goes through pv.set_pxe (pv.set_pxe_long with PAE); page-table pages are
 * registered with pv.alloc_page / pv.release_page; bulk updates (creating,
 * copying and tearing down an address space) run in MMU deferred mode. */
#include "kernel.h"

extern char __bss_end[], _end[];
extern char __user_start[], __user_data[], __user_end[];
extern char __user_lma[];
extern u32 boot_pd[], boot_pt[];

/* ------------------------------ frames ------------------------------ */
static u32 frame_bitmap[MAX_FRAMES / 32];     /* 1 = free */
static u16 refcount[MAX_FRAMES];
static u32 free_frames, scan_hint;
static struct spinlock pmm_lock;
u32 phys_top;
u32 phys_map_top;                 /* end of everything in the memory map (ACPI tables too) */
#define REF_PERMANENT 0x4000

static void mark_free(u32 f) { frame_bitmap[f >> 5] |= 1u << (f & 31); }

void pmm_init(u32 mbi_phys) {
    const u8 *mbi = P2V(mbi_phys);
    u32 flags = *(const u32 *)mbi;
    u32 kend = ALIGN_UP(V2P(_end), PAGE);
    for (u32 f = 0; f < MAX_FRAMES; f++) refcount[f] = REF_PERMANENT;
    phys_top = 0;
    if (flags & (1u << 6)) {
        u32 len = *(const u32 *)(mbi + 44), addr = *(const u32 *)(mbi + 48);
        const u8 *p = P2V(addr), *e = p + len;
        while (p < e) {
            u32 size = *(const u32 *)p;
            u64 base = *(const u64 *)(p + 4), l = *(const u64 *)(p + 12);
            u32 type = *(const u32 *)(p + 20);
            if (base < MAX_PHYS) {
                u64 me = base + l > MAX_PHYS ? MAX_PHYS : base + l;
                if ((u32)ALIGN_UP((u32)me, PAGE) > phys_map_top) phys_map_top = ALIGN_UP((u32)me, PAGE);
            }
            if (type == 1 && base < MAX_PHYS) {
                u64 end = base + l;
                if (end > MAX_PHYS) end = MAX_PHYS;
                u32 s = ALIGN_UP((u32)base, PAGE), en = (u32)end & ~(PAGE - 1);
                if (en > phys_top) phys_top = en;
                for (u32 a = s; a < en; a += PAGE) {
                    if (a < 0x100000 || a < kend) continue;   /* low memory and the kernel */
                    mark_free(a / PAGE);
                    refcount[a / PAGE] = 0;
                    free_frames++;
                }
            }
            p += size + 4;
        }
    } else if (flags & 1) {
        u32 upper = *(const u32 *)(mbi + 8);          /* KiB above 1 MiB */
        u32 en = 0x100000 + upper * 1024;
        if (en > MAX_PHYS) en = MAX_PHYS;
        en &= ~(PAGE - 1);
        phys_top = en;
        for (u32 a = kend; a < en; a += PAGE) { mark_free(a / PAGE); refcount[a / PAGE] = 0; free_frames++; }
    } else {
        panic("no memory information from the loader");
    }
    /* keep the multiboot information and the page holding it away from the allocator */
    u32 mbi_page = mbi_phys & ~(PAGE - 1);
    for (u32 a = mbi_page; a < mbi_page + 2 * PAGE; a += PAGE)
        if (frame_bitmap[a / PAGE >> 5] & (1u << (a / PAGE & 31))) {
            frame_bitmap[a / PAGE >> 5] &= ~(1u << (a / PAGE & 31));
            refcount[a / PAGE] = REF_PERMANENT;
            free_frames--;
        }
    scan_hint = kend / PAGE;
}

u32 pmm_alloc(void) {
    spin_lock(&pmm_lock);
    u32 n = MAX_FRAMES / 32;
    for (u32 k = 0; k < n; k++) {
        u32 w = (scan_hint / 32 + k) % n;
        if (!frame_bitmap[w]) continue;
        u32 b = (u32)__builtin_ctz(frame_bitmap[w]);
        frame_bitmap[w] &= ~(1u << b);
        u32 f = w * 32 + b;
        scan_hint = f;
        free_frames--;
        refcount[f] = 1;
        spin_unlock(&pmm_lock);
        memset(P2V(f * PAGE), 0, PAGE);
        return f * PAGE;
    }
    spin_unlock(&pmm_lock);
    panic("out of physical memory");
}
void pmm_free(u32 pa) {
    u32 f = pa / PAGE;
    spin_lock(&pmm_lock);
    if (frame_bitmap[f >> 5] & (1u << (f & 31))) { spin_unlock(&pmm_lock); panic("double free of frame 0x%x", pa); }
    frame_bitmap[f >> 5] |= 1u << (f & 31);
    refcount[f] = 0;
    free_frames++;
    spin_unlock(&pmm_lock);
}
u32 pmm_free_count(void) { return free_frames; }
void page_ref(u32 pa) {
    u32 f = pa / PAGE;
    if (f >= MAX_FRAMES || refcount[f] >= REF_PERMANENT) return;
    spin_lock(&pmm_lock);
    refcount[f]++;
    spin_unlock(&pmm_lock);
}
u32 page_unref(u32 pa) {
    u32 f = pa / PAGE;
    if (f >= MAX_FRAMES || refcount[f] >= REF_PERMANENT) return REF_PERMANENT;
    spin_lock(&pmm_lock);
    u32 c = --refcount[f];
    spin_unlock(&pmm_lock);
    if (c == 0) pmm_free(pa);
    return c;
}
u32 page_refcount(u32 pa) {
    u32 f = pa / PAGE;
    return f < MAX_FRAMES ? refcount[f] : REF_PERMANENT;
}

/* --------------------------- kernel paging --------------------------- */
/* Two formats: 2-level (1024 4-byte entries per table, 4 MiB per directory
   entry) and PAE (`pae` option: 512 8-byte entries, 2 MiB per directory
   entry, a 4-entry PDPT). Physical memory is below 4 GiB and NX is unused,
   so the kernel only ever reads the low dword of a PAE entry; `ent()`
   addresses entry i of a table in either format. */
bool pae;
u32 kernel_pd_phys;
static u32 nent = 1024, pdshift = 22, user_pdes = 768;
static u32 *kernel_pd;        /* 2-level: the kernel page directory */
static u32 *kernel_pdpt, *kernel_low_pd, *kernel_hi_pd;   /* PAE */
static u32 *fixmap_pt;
static u32 fixmap_base;

static inline u32 *ent(u32 *table, u32 i) { return table + (pae ? i * 2 : i); }
void pte_set(u32 *pte, u32 val) {
    if (pae) pv_set_pxe_long(pte, val);
    else pv_set_pxe(pte, val);
}

/* clear an entry and return what it held, in one exchange (Linux's ptep_get_and_clear) */
static u32 pte_take(u32 *pte) {
    if (pae) { u32 old = *pte; pte_set(pte, 0); return old; }
    return pv_swap_pxe(pte, 0);
}

static u32 *new_table(u32 usage) {
    u32 pa = pmm_alloc();
    pv_alloc_page(pa / PAGE, usage);
    return P2V(pa);
}
static void free_table(u32 *t, u32 usage) {
    pv_release_page(V2P(t) / PAGE, usage);
    pmm_free(V2P(t));
}

u32 *fixmap_pte(u32 va) { return ent(fixmap_pt, (va - fixmap_base) >> 12); }
void fixmap_set(u32 va, u32 pa, u32 flags) {
    pte_set(ent(fixmap_pt, (va - fixmap_base) >> 12), pa ? (pa | flags | PTE_P) : 0);
    pv_invlpg(va);
}

/* the kernel-half directory entry covering kernel virtual address va */
static u32 *kernel_pde(u32 va) {
    return pae ? ent(kernel_hi_pd, (va - KV) >> 21) : ent(kernel_pd, va >> 22);
}

extern void pae_enable(u32 pdpt_phys);   /* boot.S, runs identity mapped */

void paging_init(void) {
    if (cmdline_has("pae")) {
        u32 r[4];
        pv.cpuid(1, 0, r);
        if (vmi_active) kprintf("pae: not available in paravirtual mode; using 2-level paging\n");
        else if (!(r[3] & (1u << 6))) kprintf("pae: the CPU has no PAE; using 2-level paging\n");
        else pae = true;
    }
    if (pae) { nent = 512; pdshift = 21; user_pdes = 1536; }
    pv_set_deferred_mode(DEFER_MMU);
    if (pae) {
        kernel_pdpt = new_table(PAGE_PDP);
        kernel_low_pd = new_table(PAGE_PD);
        kernel_hi_pd = new_table(PAGE_PD);
        kernel_pd_phys = V2P(kernel_pdpt);
    } else {
        kernel_pd = new_table(PAGE_PD);
        kernel_pd_phys = V2P(kernel_pd);
    }
    u32 top = phys_top > phys_map_top ? phys_top : phys_map_top;
    if (top < 16u << 20) top = 16u << 20;
    top = ALIGN_UP(top, 4u << 20);
    if (top > MAX_PHYS) top = MAX_PHYS;
    phys_map_top = top;
    /* the kernel's direct map is the same in every address space: global pages (CPUID PGE, unless
       `nopge`) stay in the TLB across address-space switches and non-global flushes, as Linux's do */
    u32 id[4];
    pv.cpuid(1, 0, id);
    bool pge = (id[3] & (1u << 13)) && !cmdline_has("nopge");
    u32 global = pge ? PTE_G : 0;
    u32 span = nent * PAGE;
    for (u32 base = 0; base < top; base += span) {
        u32 *pt = new_table(PAGE_PT);
        for (u32 i = 0; i < nent; i++) pte_set(ent(pt, i), (base + i * PAGE) | PTE_P | PTE_W | global);
        pte_set(kernel_pde(KV + base), V2P(pt) | PTE_P | PTE_W);
        if (base == 0) {
            /* identity map of the lowest table, kernel only: AP trampoline, pae_enable. Never global:
               user address spaces do not map these addresses, and a global entry would outlive the switch */
            u32 *low = pt;
            if (global) {
                low = new_table(PAGE_PT);
                for (u32 i = 0; i < nent; i++) pte_set(ent(low, i), (base + i * PAGE) | PTE_P | PTE_W);
            }
            pte_set(pae ? ent(kernel_low_pd, 0) : ent(kernel_pd, 0), V2P(low) | PTE_P | PTE_W);
        }
    }
    fixmap_base = 0xFC000000u - span;
    fixmap_pt = new_table(PAGE_PT);
    pte_set(kernel_pde(fixmap_base), V2P(fixmap_pt) | PTE_P | PTE_W);
    if (pae) {   /* PDPT entries carry only P */
        pte_set(ent(kernel_pdpt, 0), V2P(kernel_low_pd) | PTE_P);
        pte_set(ent(kernel_pdpt, 3), V2P(kernel_hi_pd) | PTE_P);
    }
    pv_set_deferred_mode(DEFER_NONE);           /* narrowing flushes */
    if (pae) pae_enable(kernel_pd_phys);
    else pv_write_cr3(kernel_pd_phys);
    if (pge) pv_write_cr4(pv_read_cr4() | CR4_PGE);
    /* the boot tables are ordinary memory again */
    if (vmi_active) {
        for (int i = 0; i < 4; i++) pv_release_page(V2P(boot_pt + i * 1024) / PAGE, PAGE_PT);
        pv_release_page(V2P(boot_pd) / PAGE, PAGE_PD);
    }
}

/* ------------------------- user address spaces ------------------------- */
static struct mm mm_pool[NPROC + 4];
static struct spinlock mm_pool_lock;

static u32 *user_pde(struct mm *mm, u32 i) {
    return pae ? ent(mm->upd[i >> 9], i & 511) : ent(mm->pd, i);
}

static void mm_init_kernel_half(struct mm *mm) {
    if (pae) {
        for (u32 k = 0; k < 3; k++) pte_set(ent(mm->pd, k), V2P(mm->upd[k]) | PTE_P);
        pte_set(ent(mm->pd, 3), V2P(kernel_hi_pd) | PTE_P);
    } else {
        for (u32 i = 768; i < 1024; i++)
            if (kernel_pd[i] & PTE_P) pte_set(ent(mm->pd, i), kernel_pd[i]);
    }
}

u32 *mm_pte(struct mm *mm, u32 va, bool create) {
    u32 i = va >> pdshift;
    if (i >= user_pdes) return NULL;
    if (!mm->pt[i]) {
        if (!create) return NULL;
        mm->pt[i] = new_table(PAGE_PT);
        pte_set(user_pde(mm, i), V2P(mm->pt[i]) | PTE_P | PTE_W | PTE_U);
    }
    return ent(mm->pt[i], (va >> 12) & (nent - 1));
}

void mm_map(struct mm *mm, u32 va, u32 pa, u32 flags) {
    u32 *pte = mm_pte(mm, va, true);
    pte_set(pte, pa | flags | PTE_P);
}

static struct mm *mm_alloc(void) {
    struct mm *mm = NULL;
    spin_lock(&mm_pool_lock);
    for (u32 i = 0; i < sizeof mm_pool / sizeof mm_pool[0]; i++)
        if (!mm_pool[i].used) { mm = &mm_pool[i]; break; }
    if (!mm) panic("out of address spaces");
    memset(mm, 0, sizeof *mm);
    mm->used = 1;
    spin_unlock(&mm_pool_lock);
    if (pae) {
        mm->pd = new_table(PAGE_PDP);
        for (u32 k = 0; k < 3; k++) mm->upd[k] = new_table(PAGE_PD);
    } else {
        mm->pd = new_table(PAGE_PD);
    }
    mm->pd_phys = V2P(mm->pd);
    return mm;
}

/* text pages of the user image are shared read-only; data pages are
   copy-on-write from the pristine image in the kernel file */
static void map_user_image(struct mm *mm) {
    u32 lma = (u32)__user_lma;
    for (u32 va = (u32)__user_start; va < (u32)__user_end; va += PAGE) {
        u32 pa = lma + (va - (u32)__user_start);
        u32 fl = PTE_U | (va >= (u32)__user_data ? PTE_COW : 0);
        mm_map(mm, va, pa, fl);
    }
}

struct mm *mm_create(void) {
    pv_set_deferred_mode(DEFER_MMU);
    struct mm *mm = mm_alloc();
    mm_init_kernel_half(mm);
    map_user_image(mm);
    pv_set_deferred_mode(DEFER_NONE);
    return mm;
}

struct mm *mm_copy(struct mm *src) {
    pv_set_deferred_mode(DEFER_MMU);
    struct mm *mm = mm_alloc();
    mm_init_kernel_half(mm);
    for (u32 i = 0; i < user_pdes; i++) {
        u32 *spt = src->pt[i];
        if (!spt) continue;
        u32 *dpt = new_table(PAGE_PT);
        mm->pt[i] = dpt;
        for (u32 j = 0; j < nent; j++) {
            u32 e = *ent(spt, j);
            if (!(e & PTE_P)) continue;
            if (e & (PTE_W | PTE_COW)) {
                u32 ro = (e & ~(PTE_W | PTE_A | PTE_D)) | PTE_COW;
                if (ro != e) pte_set(ent(spt, j), ro);
                e = ro;
            }
            page_ref(PTE_ADDR(e));
            pte_set(ent(dpt, j), e & ~(PTE_A | PTE_D));
        }
        pte_set(user_pde(mm, i), V2P(dpt) | PTE_P | PTE_W | PTE_U);
    }
    pv_set_deferred_mode(DEFER_NONE);
    pv_flush_tlb(1);             /* the parent (current) lost write access */
    return mm;
}

void mm_destroy(struct mm *mm) {
    pv_set_deferred_mode(DEFER_MMU);
    for (u32 i = 0; i < user_pdes; i++) {
        u32 *pt = mm->pt[i];
        if (!pt) continue;
        for (u32 j = 0; j < nent; j++) {
            u32 e = *ent(pt, j);
            if (!(e & PTE_P)) continue;
            pte_set(ent(pt, j), 0);
            page_unref(PTE_ADDR(e));
        }
        pte_set(user_pde(mm, i), 0);
    }
    if (pae) {
        for (u32 k = 0; k < 4; k++) pte_set(ent(mm->pd, k), 0);
    } else {
        for (u32 i = 768; i < 1024; i++)
            if (mm->pd[i]) pte_set(ent(mm->pd, i), 0);
    }
    pv_set_deferred_mode(DEFER_NONE);
    for (u32 i = 0; i < user_pdes; i++)
        if (mm->pt[i]) free_table(mm->pt[i], PAGE_PT);
    if (pae) {
        for (u32 k = 0; k < 3; k++) free_table(mm->upd[k], PAGE_PD);
        free_table(mm->pd, PAGE_PDP);
    } else {
        free_table(mm->pd, PAGE_PD);
    }
    spin_lock(&mm_pool_lock);
    mm->used = 0;
    spin_unlock(&mm_pool_lock);
}

int mm_map_zero(struct mm *mm, u32 va, u32 npages) {
    pv_set_deferred_mode(DEFER_MMU);
    for (u32 k = 0; k < npages; k++, va += PAGE) {
        u32 *pte = mm_pte(mm, va, true);
        if (!pte) { pv_set_deferred_mode(DEFER_NONE); return -1; }
        u32 old = *pte;
        pte_set(pte, pmm_alloc() | PTE_P | PTE_W | PTE_U);
        if (old & PTE_P) page_unref(PTE_ADDR(old));
    }
    pv_set_deferred_mode(DEFER_NONE);
    return 0;
}

void mm_unmap(struct mm *mm, u32 va, u32 npages, bool current) {
    pv_set_deferred_mode(DEFER_MMU);
    for (u32 k = 0; k < npages; k++, va += PAGE) {
        u32 *pte = mm_pte(mm, va, false);
        if (!pte || !(*pte & PTE_P)) continue;
        u32 old = pte_take(pte);
        if (current) pv_invlpg(va);
        page_unref(PTE_ADDR(old));
    }
    pv_set_deferred_mode(DEFER_NONE);
}

/* page fault in user space: demand-zero heap/stack, copy-on-write */
int mm_fault(struct mm *mm, u32 va, u32 err) {
    u32 page = va & ~(PAGE - 1);
    u32 *pte = mm_pte(mm, page, false);
    if (!(err & 1)) {                                 /* not present */
        bool ok = (va >= USER_HEAP_VA && va < USER_HEAP_END) ||
                  (va >= USER_STACK_LOW && va < USER_STACK_TOP);
        if (!ok) return -1;
        if (pte && (*pte & PTE_P)) { pv_invlpg(page); return 0; }  /* stale TLB */
        pte = mm_pte(mm, page, true);
        pte_set(pte, pmm_alloc() | PTE_P | PTE_W | PTE_U);
        return 0;
    }
    if ((err & 2) && pte && (*pte & PTE_COW)) {       /* write to a copy-on-write page */
        u32 e = *pte, pa = PTE_ADDR(e);
        if (page_refcount(pa) == 1) {
            pte_set(pte, (e | PTE_W) & ~PTE_COW);
        } else {
            u32 np = pmm_alloc();
            memcpy(P2V(np), P2V(pa), PAGE);
            pte_set(pte, np | (e & 0xFFF & ~PTE_COW) | PTE_W);
            page_unref(pa);
        }
        pv_invlpg(page);
        return 0;
    }
    if (pte && (*pte & PTE_P) && (*pte & PTE_W) && (err & 2)) { pv_invlpg(page); return 0; }
    return -1;
}
