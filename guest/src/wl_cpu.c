/* vmidbt guest: CPU workloads. Each returns a checksum that depends only on
 * its iteration count (never on timing, CPU count or mode). */
#include "kernel.h"

static u32 lcg(u32 *s) { *s = *s * 1664525u + 1013904223u; return *s; }
static u32 mix(u32 h, u32 v) {
    h ^= v + 0x9E3779B9u + (h << 6) + (h >> 2);
    return h;
}
extern volatile u32 wl_failed;

static u8 buf_a[65536] __attribute__((aligned(64)));
static u8 buf_b[65536 + 64] __attribute__((aligned(64)));

static void fill(u8 *p, u32 n, u32 seed) {
    for (u32 i = 0; i < n; i++) p[i] = (u8)(lcg(&seed) >> 24);
}

/* ---------------- CRC32 (IEEE, reflected 0xEDB88320) ---------------- */
static u32 crc_table[256];
static void crc_table_init(void) {
    for (u32 i = 0; i < 256; i++) {
        u32 c = i;
        for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xEDB88320u & -(c & 1));
        crc_table[i] = c;
    }
}
u32 crc32_update(u32 crc, const void *p, u32 n) {
    const u8 *b = p;
    if (!crc_table[1]) crc_table_init();
    crc = ~crc;
    while (n--) crc = crc_table[(crc ^ *b++) & 0xFF] ^ (crc >> 8);
    return ~crc;
}
static u32 crc32_bitwise(u32 crc, const u8 *b, u32 n) {
    crc = ~crc;
    while (n--) {
        crc ^= *b++;
        for (int k = 0; k < 8; k++) crc = (crc >> 1) ^ (0xEDB88320u & -(crc & 1));
    }
    return ~crc;
}
/* iters = KiB processed */
static u32 wl_crc32b(u32 iters) {
    fill(buf_a, sizeof buf_a, 1);
    u32 crc = 0;
    for (u32 i = 0; i < iters; i++) crc = crc32_bitwise(crc, buf_a + (i * 1024) % sizeof buf_a, 1024);
    if (crc32_bitwise(0, (const u8 *)"123456789", 9) != 0xCBF43926u) wl_failed = 1;
    return crc;
}
static u32 wl_crc32t(u32 iters) {
    fill(buf_a, sizeof buf_a, 2);
    u32 crc = 0;
    for (u32 i = 0; i < iters; i++) crc = crc32_update(crc, buf_a + (i * 1024) % sizeof buf_a, 1024);
    if (crc32_update(0, "123456789", 9) != 0xCBF43926u) wl_failed = 1;
    return crc;
}

/* ---------------- sieve of Eratosthenes ---------------- */
static u8 sieve_buf[131072];
static u32 wl_sieve(u32 iters) {
    u32 h = 0;
    for (u32 it = 0; it < iters; it++) {
        u32 n = 100000 + (it & 15) * 1777;
        memset(sieve_buf, 1, n);
        sieve_buf[0] = sieve_buf[1] = 0;
        for (u32 i = 2; i * i < n; i++)
            if (sieve_buf[i])
                for (u32 j = i * i; j < n; j += i) sieve_buf[j] = 0;
        u32 count = 0, sum = 0;
        for (u32 i = 0; i < n; i++) if (sieve_buf[i]) { count++; sum += i; }
        h = mix(h, count);
        h = mix(h, sum);
        if (n == 100000 && count != 9592) wl_failed = 1;
    }
    return h;
}

/* ---------------- sort (quicksort + insertion sort) ---------------- */
static u32 sort_arr[16384];
static void isort(u32 *a, int n) {
    for (int i = 1; i < n; i++) {
        u32 v = a[i]; int j = i - 1;
        while (j >= 0 && a[j] > v) { a[j + 1] = a[j]; j--; }
        a[j + 1] = v;
    }
}
static void qsort_u32(u32 *a, int n) {
    while (n > 16) {
        u32 p = a[n / 2];
        int i = 0, j = n - 1;
        while (i <= j) {
            while (a[i] < p) i++;
            while (a[j] > p) j--;
            if (i <= j) { u32 t = a[i]; a[i] = a[j]; a[j] = t; i++; j--; }
        }
        if (j + 1 < n - i) { qsort_u32(a, j + 1); a += i; n -= i; }
        else { qsort_u32(a + i, n - i); n = j + 1; }
    }
    isort(a, n);
}
/* iters = arrays of 4096 sorted */
static u32 wl_sort(u32 iters) {
    u32 h = 0, seed = 12345;
    for (u32 it = 0; it < iters; it++) {
        int n = 4096;
        for (int i = 0; i < n; i++) sort_arr[i] = lcg(&seed) % 100000;
        qsort_u32(sort_arr, n);
        for (int i = 1; i < n; i++) if (sort_arr[i - 1] > sort_arr[i]) wl_failed = 1;
        for (int i = 0; i < n; i += 64) h = mix(h, sort_arr[i]);
    }
    return h;
}

/* ---------------- bytecode interpreter ---------------- */
enum { B_HALT, B_LI, B_ADD, B_XOR, B_MUL, B_SHRI, B_SHLI, B_DEC, B_JNZ, B_AND, B_LD, B_ST, B_ADDI, B_SUB };
static u32 interp_common(u32 iters, int which) {
    u8 code[128];
    u32 regs[8], mem[256];
    int n = 0;
#define E(x) (code[n++] = (u8)(x))
#define LI(d, v) do { E(B_LI); E(d); u32 _v = (v); E(_v); E(_v >> 8); E(_v >> 16); E(_v >> 24); } while (0)
    LI(0, 0x12345678);
    LI(1, iters);
    LI(2, 0x9E3779B1);
    LI(3, 0);
    int loop = n;
    E(B_MUL); E(0); E(2);
    E(B_ADD); E(0); E(1);
    E(B_XOR); E(5); E(5);
    E(B_ADD); E(5); E(0);
    E(B_SHRI); E(5); E(13);
    E(B_XOR); E(0); E(5);
    E(B_LD); E(6); E(1);
    E(B_ADD); E(6); E(0);
    E(B_ST); E(6); E(0);
    E(B_XOR); E(3); E(6);
    E(B_ADDI); E(3); E(-7);
    E(B_DEC); E(1);
    E(B_JNZ); E(1);
    { int rel = loop - (n + 2); E(rel); E(rel >> 8); }
    E(B_XOR); E(0); E(3);
    E(B_HALT);
#undef E
#undef LI
    memset(regs, 0, sizeof regs);
    for (int i = 0; i < 256; i++) mem[i] = (u32)i * 0x01010101u;
    u32 r = which ? interp_run_b(code, regs, mem) : interp_run_a(code, regs, mem);
    return mix(r, crc32_update(0, mem, sizeof mem));
}
/* iters = bytecode loop iterations (13 dispatches each) */
static u32 wl_interp(u32 iters) { return interp_common(iters, 0); }
static u32 wl_interp_straddle(u32 iters) { return interp_common(iters, 1); }

/* ---------------- integer matrix multiply ---------------- */
#define MN 48
static u32 ma[MN][MN], mb[MN][MN], mc[MN][MN];
static u32 wl_matmul(u32 iters) {
    u32 seed = 7, h = 0;
    for (int i = 0; i < MN; i++)
        for (int j = 0; j < MN; j++) { ma[i][j] = lcg(&seed) >> 20; mb[i][j] = lcg(&seed) >> 20; }
    for (u32 it = 0; it < iters; it++) {
        for (int i = 0; i < MN; i++)
            for (int j = 0; j < MN; j++) {
                u32 s = 0;
                for (int k = 0; k < MN; k++) s += ma[i][k] * mb[k][j];
                mc[i][j] = s;
            }
        h = mix(h, mc[it % MN][(it * 7) % MN]);
        ma[it % MN][(it * 3) % MN] ^= mc[(it * 5) % MN][it % MN];   /* carry state forward */
    }
    for (int i = 0; i < MN; i++) h = mix(h, crc32_update(0, mc[i], sizeof mc[i]));
    return h;
}

/* ---------------- string / memory operations (rep movs / rep stos) ---------------- */
static void rep_movsl(void *d, const void *s, u32 n) {
    __asm__ volatile("rep movsl" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
}
static void rep_stosl(void *d, u32 v, u32 n) {
    __asm__ volatile("rep stosl" : "+D"(d), "+c"(n) : "a"(v) : "memory");
}
/* iters = rounds of 8 copy/fill operations on up to 32 KiB */
static u32 wl_memops(u32 iters) {
    u32 seed = 99, h = 0;
    fill(buf_a, sizeof buf_a, 3);
    memset(buf_b, 0, sizeof buf_b);
    for (u32 it = 0; it < iters; it++) {
        for (int k = 0; k < 8; k++) {
            u32 r = lcg(&seed);
            u32 len = (r >> 8) & 0x7FFF, so = (r >> 3) & 0x7FFF, d0 = r & 63;
            switch (k & 3) {
            case 0: memcpy(buf_b + d0, buf_a + so, len); break;                       /* rep movsb */
            case 1: rep_movsl(buf_b + (d0 & ~3u), buf_a + (so & ~3u), len / 4); break;
            case 2: memset(buf_b + d0, (int)(r >> 24), len / 2); break;              /* rep stosb */
            case 3: rep_stosl(buf_b + (d0 & ~3u), r, len / 8); break;
            }
            h = mix(h, buf_b[(r >> 5) & 0xFFFF]);
        }
        if ((it & 15) == 15) h = mix(h, crc32_update(0, buf_b, sizeof buf_b));
        memcpy(buf_a + (it & 0x3FFF), buf_b + 1, 64);
    }
    return mix(h, crc32_update(0, buf_b, sizeof buf_b));
}

/* ---------------- x87 double floating point ---------------- */
static double fsqrt(double x) { __asm__("fsqrt" : "+t"(x)); return x; }
static u32 dbits(double d) {
    union { double d; u32 w[2]; } u;
    u.d = d;
    return u.w[0] ^ (u.w[1] * 31u);
}
/* iters = rows of a 64-column Mandelbrot grid plus a few series steps per row */
static u32 wl_fp(u32 iters) {
    u32 h = 0;
    double acc = 0.0, s = 1.0;
    for (u32 row = 0; row < iters; row++) {
        double cy = -1.25 + (double)(row % 50) * 0.05;
        for (int col = 0; col < 64; col++) {
            double cx = -2.0 + (double)col * (2.5 / 64.0);
            double x = 0.0, y = 0.0;
            int k = 0;
            while (k < 64 && x * x + y * y <= 4.0) {
                double t = x * x - y * y + cx;
                y = 2.0 * x * y + cy;
                x = t;
                k++;
            }
            h = mix(h, (u32)k);
            acc += x * 0.5 - y / 3.0;
        }
        s = fsqrt(s * s + (double)row) / (1.0 + (double)(row & 7));
        acc = acc / 1.0009765625 + s;
    }
    return mix(mix(h, dbits(acc)), dbits(s));
}

const struct workload workloads_cpu[] = {
    { "crc32b", "cpu", 512, wl_crc32b },
    { "crc32t", "cpu", 4096, wl_crc32t },
    { "sieve", "cpu", 40, wl_sieve },
    { "sort", "cpu", 60, wl_sort },
    { "interp", "cpu", 400000, wl_interp },
    { "interp_straddle", "cpu", 400000, wl_interp_straddle },
    { "matmul", "cpu", 60, wl_matmul },
    { "memops", "cpu", 400, wl_memops },
    { "fp", "cpu", 400, wl_fp },
    { NULL, NULL, 0, NULL },
};
