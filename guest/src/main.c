/* vmidbt guest: boot sequence, command line, workload runner. */
#include "kernel.h"

extern u32 mb_magic, mb_info;
extern u32 boot_pd[], boot_pt[];
volatile u32 wl_failed;

/* ---------------- command line ---------------- */
static char cmdline[512];

static void cmdline_init(void) {
    const u8 *mbi = P2V(mb_info);
    if (mb_magic != 0x2BADB002 || !(*(const u32 *)mbi & 4)) return;
    const char *s = P2V(*(const u32 *)(mbi + 16));
    u32 i = 0;
    for (; s[i] && i < sizeof cmdline - 1; i++) cmdline[i] = s[i];
    cmdline[i] = 0;
}

/* find "key" or "key=value" as a whole word; returns the value ("" for a bare word) */
const char *cmdline_get(const char *key) {
    static char val[128];
    u32 kl = strlen(key);
    const char *p = cmdline;
    while (*p) {
        while (*p == ' ') p++;
        const char *w = p;
        while (*p && *p != ' ') p++;
        if ((u32)(p - w) >= kl && !strncmp(w, key, kl) && (w[kl] == '=' || w + kl == p)) {
            const char *v = w + kl + (w[kl] == '=');
            u32 n = 0;
            while (v < p && n < sizeof val - 1) val[n++] = *v++;
            val[n] = 0;
            return val;
        }
    }
    return NULL;
}
bool cmdline_has(const char *key) { return cmdline_get(key) != NULL; }

static u32 scale_milli = 1000;
static void scale_init(void) {
    const char *s = cmdline_get("scale");
    if (!s || !*s) return;
    u32 ip = 0, fp = 0, fd = 0;
    while (*s >= '0' && *s <= '9') ip = ip * 10 + (u32)(*s++ - '0');
    if (*s == '.') {
        s++;
        while (*s >= '0' && *s <= '9') { if (fd < 3) { fp = fp * 10 + (u32)(*s - '0'); fd++; } s++; }
    }
    while (fd < 3) { fp *= 10; fd++; }
    scale_milli = ip * 1000 + fp;
    if (!scale_milli) scale_milli = 1;
}
u32 scaled(u32 base) {
    u64 v = (u64)base * scale_milli / 1000;
    if (v < 1) v = 1;
    if (v > 0xFFFFFFFFull) v = 0xFFFFFFFF;
    return (u32)v;
}

/* ---------------- FPU ---------------- */
void fpu_init(void) {
    u32 cr0 = pv_read_cr0();
    u32 want = (cr0 & ~(0x4u | 0x8u)) | 0x2u | 0x20u;   /* !EM !TS MP NE */
    if (want != cr0) pv_write_cr0(want);
    u16 cw = 0x027F;      /* double precision, round to nearest, exceptions masked */
    __asm__ volatile("fninit; fldcw %0" : : "m"(cw));
}

/* ---------------- workload runner ---------------- */
static bool selected(const struct workload *w, const char *list) {
    if (!list) return true;
    const char *p = list;
    u32 nl = strlen(w->name), gl = strlen(w->group);
    while (*p) {
        const char *s = p;
        while (*p && *p != ',') p++;
        u32 l = (u32)(p - s);
        if ((l == 3 && !strncmp(s, "all", 3)) || (l == nl && !strncmp(s, w->name, l)) ||
            (l == gl && !strncmp(s, w->group, l)))
            return true;
        if (*p == ',') p++;
    }
    return false;
}

static bool known(const char *s, u32 l) {
    const struct workload *tabs[] = { workloads_cpu, workloads_os, workloads_smp };
    if ((l == 3 && !strncmp(s, "all", 3)) || (l == 3 && !strncmp(s, "cpu", 3)) ||
        (l == 2 && !strncmp(s, "os", 2)) || (l == 3 && !strncmp(s, "smp", 3)))
        return true;
    for (int t = 0; t < 3; t++)
        for (const struct workload *w = tabs[t]; w->name; w++)
            if (strlen(w->name) == l && !strncmp(w->name, s, l)) return true;
    return false;
}

static u32 iters_for(const struct workload *w) {
    char key[48] = "iters.";
    u32 n = 6;
    for (const char *s = w->name; *s && n < sizeof key - 1; s++) key[n++] = *s;
    key[n] = 0;
    const char *v = cmdline_get(key);
    if (v && *v) {
        u32 x = 0;
        while (*v >= '0' && *v <= '9') x = x * 10 + (u32)(*v++ - '0');
        if (x) return x;
    }
    return scaled(w->base_iters);
}

/* repeat=K: each selected workload runs K times in a row (1..100, default 1), a RESULT line each:
   a benchmark times the last run, when the emulator's translations of it are warm */
static u32 repeat_count(void) {
    const char *v = cmdline_get("repeat");
    u32 x = 0;
    if (v) while (*v >= '0' && *v <= '9') x = x * 10 + (u32)(*v++ - '0');
    return x < 1 ? 1 : x > 100 ? 100 : x;
}

static int run_table(const struct workload *tab, const char *list, int *count) {
    int fails = 0;
    u32 repeat = repeat_count();
    for (const struct workload *w = tab; w->name; w++) {
        if (!selected(w, list)) continue;
        for (u32 again = 0; again < repeat; again++) {
            u32 iters = iters_for(w);
            wl_failed = 0;
            u32 free0 = pmm_free_count();
            u64 t0 = pv_cycle_counter();
            u32 sum = w->run(iters);
            u64 t1 = pv_cycle_counter();
            if (pmm_free_count() != free0 && strcmp(w->group, "cpu")) {
                kprintf("workload %s leaked %d pages\n", w->name, (int)(free0 - pmm_free_count()));
            }
            kprintf("RESULT name=%s iters=%u cycles=%llu checksum=0x%08x\n", w->name, iters, t1 - t0, sum);
            if (wl_failed) { kprintf("FAIL name=%s self-check failed\n", w->name); fails++; }
            (*count)++;
        }
    }
    return fails;
}

static void cpu_features(void) {
    u32 r[4];
    pv.cpuid(0, 0, r);
    char vendor[13];
    memcpy(vendor, &r[1], 4); memcpy(vendor + 4, &r[3], 4); memcpy(vendor + 8, &r[2], 4);
    vendor[12] = 0;
    u32 f[4];
    pv.cpuid(1, 0, f);
    u32 fam = (f[0] >> 8) & 15, model = (f[0] >> 4) & 15, step = f[0] & 15;
    /* SEP, except the early Pentium Pro that reports it without having it */
    use_sysenter = (f[3] & (1u << 11)) && !(fam == 6 && model < 3 && step < 3) && !cmdline_has("nosysenter");
    kprintf("cpu: %s family %u model %u features edx=0x%08x%s\n", vendor, fam, model, f[3],
            use_sysenter ? " (using sysenter)" : "");
}

/* reboot=soft|hard: after the workloads, reboot once (VMI Reboot, or the
   0xCF9 reset register natively). A word in the BIOS communication area
   (physical 0x4F0, which no loader writes) marks the first boot: a soft
   reboot keeps memory, so the second boot finds it and exits normally; a
   hard one clears it, so that boot reboots again. */
#define REBOOT_MARK 0x544F4F42u        /* "BOOT" */
static void maybe_reboot(void) {
    const char *how = cmdline_get("reboot");
    if (!how) return;
    volatile u32 *mark = P2V(0x4F0);
    if (*mark == REBOOT_MARK) {
        *mark = 0;
        kprintf("reboot: this boot came after a soft reboot (memory kept)\n");
        return;
    }
    *mark = REBOOT_MARK;
    kprintf("reboot: %s\n", how);
    pv.reboot(strcmp(how, "hard") == 0);
    panic("reboot: the machine did not reset");
}

void kmain(void) {
    serial_init();
    cmdline_init();
    scale_init();
    kprintf("\nvmidbt guest kernel, cmdline: %s\n", cmdline);
    if (mb_magic != 0x2BADB002) panic("not loaded by a Multiboot loader (magic 0x%x)", mb_magic);

    pv_init(!cmdline_has("novmi"));
    if (vmi_active) {
        /* tell the hypervisor about the page tables we are running on */
        for (int i = 0; i < 4; i++) pv_alloc_page(V2P(boot_pt + i * 1024) / PAGE, PAGE_PT);
        pv_alloc_page(V2P(boot_pd) / PAGE, PAGE_PD);
        pv_write_cr3(V2P(boot_pd));
        kprintf("mode: paravirtual (VMI ROM %u.%u at 0x%x, %s linkage, kernel at CPL %u)\n",
                vmi_version_major, vmi_version_minor, V2P(vmi_rom_base), vmi_abi_name, kernel_rpl);
    } else {
        kprintf("mode: native%s\n", cmdline_has("novmi") ? " (novmi)" : "");
    }
    cpu_features();
    pmm_init(mb_info);
    paging_init();
    kprintf("memory: %u MiB usable, %u free pages, %s paging\n", phys_top >> 20, pmm_free_count(),
            pae ? "PAE 3-level" : "2-level");
    idt_build();
    cpu_tables_init(0);
    fpu_init();
    proc_init();
    apic_init_bsp();
    smp_detect();
    timer_start();
    smp_boot();
    kprintf("cpus: %d online\n", cpus_online);

    /* vmibench[=LIST]: the privileged-operation microbenchmarks; workloads then only if run= names them */
    bool bench = cmdline_has("vmibench");
    if (bench) vmibench_run(cmdline_get("vmibench"));
    const char *list = cmdline_get("run");
    if (!list && bench) list = "";
    static char listbuf[128];
    if (list) {
        u32 n = strlen(list);
        memcpy(listbuf, list, n + 1);
        list = listbuf;
        const char *p = list;
        while (*p) {
            const char *s = p;
            while (*p && *p != ',') p++;
            if (!known(s, (u32)(p - s))) {
                kprintf("unknown workload in run=%s\n", list);
                debug_exit(EXIT_FAIL);
            }
            if (*p == ',') p++;
        }
    }
    int count = 0, fails = 0;
    fails += run_table(workloads_cpu, list, &count);
    fails += run_table(workloads_os, list, &count);
    fails += run_table(workloads_smp, list, &count);
    kprintf("DONE workloads=%d failed=%d cpus=%d mode=%s\n", count, fails, cpus_online, pv.name);
    maybe_reboot();
    debug_exit(fails ? EXIT_FAIL : EXIT_OK);
}
