/* vmidbt guest: user-mode (CPL 3) programs for the OS workloads.
 * This file is linked at 0x00400000 (see kernel.ld): it must not call any
 * kernel function; it talks to the kernel only through int 0x80. */
#include "kernel.h"

enum {
    SYS_exit, SYS_fork, SYS_wait, SYS_null, SYS_yield, SYS_send, SYS_recv, SYS_report,
    SYS_mmap, SYS_munmap, SYS_ptemod, SYS_setaffinity, SYS_fail, SYS_chanreset, SYS_features,
};
enum { U_NULL = 1, U_CTXSW, U_PAGEFAULT, U_FORK, U_MMAP, U_PTEMOD, U_COW, U_SMPPROC, U_SYSENTER };

static inline u32 sc(u32 n, u32 a, u32 b) {
    u32 r;
    __asm__ volatile("int $0x80" : "=a"(r) : "0"(n), "b"(a), "c"(b) : "edx", "memory", "cc");
    return r;
}
/* sysenter: EAX number, EBX argument; ECX/EDX carry the return ESP/EIP */
static inline u32 sc_fast(u32 n, u32 a) {
    u32 r;
    __asm__ volatile("movl %%esp, %%ecx\n\t"
                     "movl $1f, %%edx\n\t"
                     "sysenter\n"
                     "1:"
                     : "=a"(r) : "0"(n), "b"(a) : "ecx", "edx", "memory", "cc");
    return r;
}
static inline u32 sc_wait(u32 *code) {
    u32 r, c;
    __asm__ volatile("int $0x80" : "=a"(r), "=d"(c) : "0"(SYS_wait) : "ecx", "memory", "cc");
    *code = c;
    return r;
}
static void __attribute__((noreturn)) u_exit(u32 code) {
    sc(SYS_exit, code, 0);
    for (;;) {}
}
static u32 umix(u32 h, u32 v) { return h ^ (v + 0x9E3779B9u + (h << 6) + (h >> 2)); }
static void u_fail(u32 code) { sc(SYS_fail, code, 0); }

static u32 cow_data[1024] = { 1, 2, 3, 4, 5, 6, 7, 8 };

static u32 w_null(u32 n) {
    u32 acc = 0;
    for (u32 i = 0; i < n; i++) acc = sc(SYS_null, acc ^ i, 0);
    return acc;
}

/* the null system call through sysenter when the kernel offers it, else int 0x80 */
static u32 w_sysenter(u32 n) {
    u32 acc = 0;
    if (sc(SYS_features, 0, 0) & 1) {
        for (u32 i = 0; i < n; i++) acc = sc_fast(SYS_null, acc ^ i);
    } else {
        for (u32 i = 0; i < n; i++) acc = sc(SYS_null, acc ^ i, 0);
    }
    return acc;
}

static u32 w_ctxsw(u32 n) {
    sc(SYS_chanreset, 0, 0);
    u32 pid = sc(SYS_fork, 0, 0);
    if (pid == 0) {
        for (u32 i = 0; i < n; i++) {
            u32 v = sc(SYS_recv, 0, 0);
            sc(SYS_send, 1, v * 3 + 1);
        }
        u_exit(0);
    }
    u32 v = 1, h = 0, code;
    for (u32 i = 0; i < n; i++) {
        sc(SYS_send, 0, v);
        v = sc(SYS_recv, 1, 0);
        h = umix(h, v);
    }
    sc_wait(&code);
    return h;
}

static u32 w_pagefault(u32 n) {
    u32 h = 0, done = 0;
    while (done < n) {
        u32 batch = n - done > 256 ? 256 : n - done;
        for (u32 k = 0; k < batch; k++) {
            volatile u32 *p = (volatile u32 *)(USER_HEAP_VA + k * PAGE);
            if (p[k & 1023] != 0) u_fail(3);          /* demand-zero page must read as zero */
            p[(k * 5) & 1023] = done + k;
        }
        for (u32 k = 0; k < batch; k++)
            h = umix(h, ((volatile u32 *)(USER_HEAP_VA + k * PAGE))[(k * 5) & 1023]);
        sc(SYS_munmap, USER_HEAP_VA, batch);
        done += batch;
    }
    return h;
}

static u32 w_fork(u32 n) {
    u32 h = 0;
    for (u32 i = 0; i < n; i++) {
        u32 pid = sc(SYS_fork, 0, 0);
        if (pid == 0) u_exit(i * 2654435761u);
        if ((int)pid < 0) { u_fail(4); break; }
        u32 code;
        if ((int)sc_wait(&code) < 0) u_fail(5);
        h = umix(h, code);
    }
    return h;
}

static u32 w_mmap(u32 n) {
    const u32 base = USER_HEAP_VA + 0x1000000, np = 16;
    u32 h = 0;
    for (u32 i = 0; i < n; i++) {
        if (sc(SYS_mmap, base, np) != 0) { u_fail(6); break; }
        for (u32 k = 0; k < np; k++) {
            volatile u32 *p = (volatile u32 *)(base + k * PAGE);
            if (p[(i + k) & 1023]) u_fail(7);
            p[(i + k) & 1023] = i ^ k;
        }
        for (u32 k = 0; k < np; k++) h = umix(h, ((volatile u32 *)(base + k * PAGE))[(i + k) & 1023]);
        sc(SYS_munmap, base, np);
    }
    return h;
}

static u32 w_ptemod(u32 n) {
    volatile u32 *p = (volatile u32 *)(USER_HEAP_VA + 0x2000000);
    p[0] = 42;                                  /* make sure a page table exists */
    u32 h = sc(SYS_ptemod, (u32)p, n);
    if (p[0] != 42) u_fail(8);                  /* original mapping restored */
    return h;
}

static u32 w_cow(u32 n) {
    u32 h = 0;
    for (u32 i = 0; i < n; i++) {
        cow_data[i & 1023] += i;
        u32 before = 0;
        for (u32 k = 0; k < 1024; k += 16) before = umix(before, cow_data[k]);
        u32 pid = sc(SYS_fork, 0, 0);
        if (pid == 0) {
            u32 c = 0;
            for (u32 k = 0; k < 1024; k += 16) { cow_data[k] = cow_data[k] * 3 + i; c = umix(c, cow_data[k]); }
            u_exit(c);
        }
        u32 code;
        sc_wait(&code);
        u32 after = 0;
        for (u32 k = 0; k < 1024; k += 16) after = umix(after, cow_data[k]);
        if (after != before) u_fail(9);             /* the child's writes must stay private */
        h = umix(umix(h, code), after);
    }
    return h;
}

static u32 w_smpproc(u32 n) {
    const u32 kids = 4;
    sc(SYS_setaffinity, (u32)-1, 0);            /* children may run on any CPU */
    for (u32 j = 0; j < kids; j++) {
        if (sc(SYS_fork, 0, 0) == 0) {
            u32 h = j + 1;
            for (u32 i = 0; i < n * 2000; i++) h = umix(h, i ^ j);
            u_exit(h);
        }
    }
    u32 sum = 0, x = 0, code;
    for (u32 j = 0; j < kids; j++) {
        if ((int)sc_wait(&code) < 0) u_fail(10);
        sum += code;
        x ^= code;
    }
    return sum ^ (x << 1);
}

void __attribute__((regparm(2), noreturn, used)) u_entry(u32 id, u32 n) {
    u32 r = 0;
    switch (id) {
    case U_NULL: r = w_null(n); break;
    case U_CTXSW: r = w_ctxsw(n); break;
    case U_PAGEFAULT: r = w_pagefault(n); break;
    case U_FORK: r = w_fork(n); break;
    case U_MMAP: r = w_mmap(n); break;
    case U_PTEMOD: r = w_ptemod(n); break;
    case U_COW: r = w_cow(n); break;
    case U_SMPPROC: r = w_smpproc(n); break;
    case U_SYSENTER: r = w_sysenter(n); break;
    default: u_fail(1);
    }
    sc(SYS_report, r, 0);
    u_exit(0);
}

/* Landing points of the kernel's ring-crossing microbenchmarks (vmibench.c):
   an IRET to CPL 3 lands on the `int`, a SYSEXIT on the `sysenter`; each
   goes straight back to the kernel, which never resumes them. */
__asm__(".globl u_vb_int\n"
        "u_vb_int: int $0x81\n"
        "    jmp u_vb_int\n"
        ".globl u_vb_sysenter\n"
        "u_vb_sysenter: sysenter\n"
        "    jmp u_vb_sysenter\n");
