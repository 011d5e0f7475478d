/* vmidbt guest: small C library, COM1 console, spinlocks, debug exit. */
#include "kernel.h"
#include <stdarg.h>

void *memcpy(void *d, const void *s, size_t n) {
    void *r = d;
    __asm__ volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
    return r;
}
void *memset(void *d, int c, size_t n) {
    void *r = d;
    __asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
    return r;
}
void *memmove(void *d, const void *s, size_t n) {
    u8 *dp = d; const u8 *sp = s;
    if (dp <= sp || dp >= sp + n) return memcpy(d, s, n);
    while (n--) dp[n] = sp[n];
    return d;
}
int memcmp(const void *a, const void *b, size_t n) {
    const u8 *x = a, *y = b;
    for (; n; n--, x++, y++) if (*x != *y) return *x - *y;
    return 0;
}
size_t strlen(const char *s) { size_t n = 0; while (s[n]) n++; return n; }
int strcmp(const char *a, const char *b) {
    while (*a && *a == *b) a++, b++;
    return (u8)*a - (u8)*b;
}
int strncmp(const char *a, const char *b, size_t n) {
    for (; n; n--, a++, b++) {
        if (*a != *b) return (u8)*a - (u8)*b;
        if (!*a) return 0;
    }
    return 0;
}

/* ---------------- COM1 ---------------- */
#define COM1 0x3F8
static struct spinlock console_lock;
void serial_init(void) {
    pv.outb(0x00, COM1 + 1);      /* no interrupts */
    pv.outb(0x80, COM1 + 3);      /* DLAB */
    pv.outb(0x01, COM1 + 0);      /* 115200 baud */
    pv.outb(0x00, COM1 + 1);
    pv.outb(0x03, COM1 + 3);      /* 8N1 */
    pv.outb(0xC7, COM1 + 2);      /* FIFO */
    pv.outb(0x03, COM1 + 4);
}
static int lsr_broken;   /* a UART model whose LSR never shows THRE: stop polling */
void serial_putc(char c) {
    if (!lsr_broken) {
        int spin = 0;
        while (!(pv.inb(COM1 + 5) & 0x20))
            if (++spin == 100000) { lsr_broken = 1; break; }
    }
    pv.outb((u8)c, COM1);
}
static void puts_raw(const char *s) {
    for (; *s; s++) {
        if (*s == '\n') serial_putc('\r');
        serial_putc(*s);
    }
}

static char *fmt_num(char *end, u64 v, int base, int neg) {
    *--end = 0;
    do { *--end = "0123456789abcdef"[v % base]; v /= base; } while (v);
    if (neg) *--end = '-';
    return end;
}
static void vformat(char *out, size_t cap, const char *fmt, va_list ap) {
    size_t o = 0;
#define PUT(ch) do { if (o + 1 < cap) out[o++] = (ch); } while (0)
    for (; *fmt; fmt++) {
        if (*fmt != '%') { PUT(*fmt); continue; }
        fmt++;
        int zero = 0, width = 0, lng = 0;
        if (*fmt == '0') { zero = 1; fmt++; }
        while (*fmt >= '0' && *fmt <= '9') width = width * 10 + (*fmt++ - '0');
        while (*fmt == 'l') { lng++; fmt++; }
        char buf[32]; const char *s = buf;
        switch (*fmt) {
        case 'd': { s64 v = lng >= 2 ? va_arg(ap, s64) : va_arg(ap, int);
                    s = fmt_num(buf + sizeof buf, v < 0 ? -v : v, 10, v < 0); break; }
        case 'u': { u64 v = lng >= 2 ? va_arg(ap, u64) : va_arg(ap, u32);
                    s = fmt_num(buf + sizeof buf, v, 10, 0); break; }
        case 'x': { u64 v = lng >= 2 ? va_arg(ap, u64) : va_arg(ap, u32);
                    s = fmt_num(buf + sizeof buf, v, 16, 0); break; }
        case 'p': { s = fmt_num(buf + sizeof buf, (u32)va_arg(ap, void *), 16, 0); zero = 1; width = 8; break; }
        case 's': s = va_arg(ap, const char *); if (!s) s = "(null)"; break;
        case 'c': buf[0] = (char)va_arg(ap, int); buf[1] = 0; break;
        case '%': buf[0] = '%'; buf[1] = 0; break;
        default: buf[0] = '?'; buf[1] = 0; break;
        }
        int len = (int)strlen(s);
        for (; len < width; width--) PUT(zero ? '0' : ' ');
        while (*s) PUT(*s++);
    }
    out[o] = 0;
#undef PUT
}

void kprintf(const char *fmt, ...) {
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vformat(buf, sizeof buf, fmt, ap);
    va_end(ap);
    u32 f = spin_lock_irqsave(&console_lock);
    puts_raw(buf);
    spin_unlock_irqrestore(&console_lock, f);
}

static volatile int panicking;
void panic(const char *fmt, ...) {
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vformat(buf, sizeof buf, fmt, ap);
    va_end(ap);
    pv_irq_disable();
    if (!xchg((volatile u32 *)&panicking, 1)) {
        console_lock.locked = 0;
        puts_raw("PANIC: ");
        puts_raw(buf);
        puts_raw("\n");
        debug_exit(EXIT_PANIC);
    }
    for (;;) pv_halt();
}

/* isa-debug-exit at 0xF4: QEMU exits with (value << 1) | 1. */
void debug_exit(u32 code) {
    pv.outb((u8)code, 0xF4);
    pv_irq_disable();
    pv_shutdown();
    for (;;) { pv_irq_disable(); pv_halt(); }
}

/* ---------------- spinlocks ---------------- */
void spin_lock(struct spinlock *l) {
    while (xchg(&l->locked, 1)) {
        while (l->locked) __asm__ volatile("pause");
    }
}
void spin_unlock(struct spinlock *l) {
    barrier();
    xchg(&l->locked, 0);
}
u32 spin_lock_irqsave(struct spinlock *l) {
    u32 f = pv_save_flags();
    pv_irq_disable();
    spin_lock(l);
    return f;
}
void spin_unlock_irqrestore(struct spinlock *l, u32 f) {
    spin_unlock(l);
    if (f & 0x200) pv_irq_enable();
}
