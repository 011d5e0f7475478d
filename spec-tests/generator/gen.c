/*
 * vmidbt golden conformance vector generator.
 *
 * Built twice from this one file:
 *   - x86-64 (native):   forms whose 8/16/32-bit behaviour is identical in
 *                        64-bit mode; oracle = the host CPU ("host-x86_64").
 *   - i386 (-m32 -static, run under qemu-i386): forms that only exist in
 *                        32-bit mode; oracle = qemu-i386 ("qemu-i386").
 *
 * Harness: a tiny JIT.  For every form a thunk is written into an RWX page:
 *   save host regs; push flags_in; popf; load eax..edi from a state block at
 *   a fixed low address; <instruction bytes>; store eax..edi; restore host
 *   stack; pushf; pop flags_out; cld; restore host regs; ret.
 * All state and guest data live in a MAP_FIXED mapping at 0x10000..0x9FFFF,
 * so guest linear addresses equal host addresses (no pointer translation is
 * needed; 32-bit register loads zero-extend in 64-bit mode).
 * Faults (#DE, #BR, #OF) are caught with a signal handler + siglongjmp; the
 * vector number comes from the trap number in the signal context.
 *
 * Usage: gen <outdir> <cpu-description>
 * Writes <outdir>/<family>.txt for each family of this build.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#define CF 0x001u
#define PF 0x004u
#define AF 0x010u
#define ZF 0x040u
#define SF 0x080u
#define DF 0x400u
#define OF 0x800u
#define ST6 (CF | PF | AF | ZF | SF | OF)

enum { EAX, ECX, EDX, EBX, ESP, EBP, ESI, EDI };
static const char *regname[8] = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"};

#define LOWBASE 0x10000u
#define LOWSIZE 0x90000u
#define GUESTEND 0x80000u
#define STATE 0x90000u
#define SEED 0x766d696462742024ull /* fixed seed: "vmidbt $" */

typedef struct {
  uint32_t r[8];
  uint64_t fin, fout, savedsp;
} HostState;
#define HS ((volatile HostState *)(uintptr_t)STATE)

#define MAXMEM 3
#define MAXLEN 72
typedef struct {
  uint32_t r[8];
  uint32_t fl;
  uint8_t m[MAXMEM][MAXLEN];
} St;
typedef struct {
  St in, out;
  int exc; /* -1 none */
  uint32_t xmask; /* bit i: reg i output undefined; bit 8+k: mem k */
  int has_u;
  uint32_t u;
} Row;

typedef struct Form Form;
struct Form {
  const char *fam;
  char name[64];
  uint8_t b[16];
  int nb;
  uint8_t hb[16];
  int nhb;
  uint32_t inr, outr;
  int nmem;
  uint32_t maddr[MAXMEM], mlen[MAXMEM];
  int min[MAXMEM], mout[MAXMEM];
  uint32_t undef, fmask, fset;
  int exc, excvec, stack;
  int nslot;
  struct { int mem, reg, w, sh; } s[4];
  uint32_t fixmask, fixv[8];
  void (*gen)(Form *, Row *, int);
  void (*post)(Form *, Row *);
  int nrows;
  int op, w, cnt, aux;
  uint32_t imm;
};

#define MAXFORMS 3000
static Form forms[MAXFORMS];
static int nforms;

/* ---------------- RNG (splitmix64) ---------------- */
static uint64_t rs;
static uint64_t rnd64(void) {
  uint64_t z = (rs += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
static uint32_t rnd(void) { return (uint32_t)(rnd64() >> 32); }
static uint64_t hashname(const char *s) {
  uint64_t h = 1469598103934665603ull;
  while (*s) h = (h ^ (uint8_t)*s++) * 1099511628211ull;
  return h;
}
static uint32_t wmask(int w) { return w >= 32 ? 0xffffffffu : ((1u << w) - 1); }

static uint32_t genval(int w) {
  static const uint32_t e8[] = {0, 1, 2, 0x7f, 0x80, 0x81, 0xfe, 0xff, 0x0f, 0x10, 0x09, 0x99, 0x40, 0x3f};
  static const uint32_t e16[] = {0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0x8001, 0xfffe, 0xffff, 0xff00, 0x00ff};
  static const uint32_t e32[] = {0, 1, 2, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff,
                                 0x80000000, 0x80000001, 0xfffffffe, 0xffffffff, 0xffff0000};
  uint32_t k = rnd() % 16, v;
  if (k < 6) {
    if (w == 8) v = e8[rnd() % (sizeof e8 / 4)];
    else if (w == 16) v = e16[rnd() % (sizeof e16 / 4)];
    else v = e32[rnd() % (sizeof e32 / 4)];
  } else if (k < 7) v = rnd() % 16;
  else if (k < 8) v = -(rnd() % 16);
  else if (k < 9) v = 1u << (rnd() % w);
  else if (k < 10) v = rnd() & rnd();
  else v = rnd();
  return v & wmask(w);
}

/* ---------------- form construction ---------------- */
static const char *curfam;
static int defrows = 100;
static Form *F(const char *hex, const char *fmt, ...) {
  if (nforms >= MAXFORMS) { fprintf(stderr, "too many forms\n"); exit(1); }
  Form *f = &forms[nforms++];
  memset(f, 0, sizeof *f);
  f->fam = curfam;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(f->name, sizeof f->name, fmt, ap);
  va_end(ap);
  for (const char *p = hex; p[0] && p[1]; p += 2) {
    unsigned v;
    sscanf(p, "%2x", &v);
    f->b[f->nb++] = v;
  }
  f->fmask = ST6;
  f->nrows = defrows;
  f->cnt = -1;
  return f;
}
static __attribute__((unused)) void HOSTBYTES(Form *f, const char *hex) {
  f->nhb = 0;
  for (const char *p = hex; p[0] && p[1]; p += 2) {
    unsigned v;
    sscanf(p, "%2x", &v);
    f->hb[f->nhb++] = v;
  }
}
static void IO(Form *f, int r) { f->inr |= 1u << r; f->outr |= 1u << r; }
static void IN(Form *f, int r) { f->inr |= 1u << r; }
static void OUT(Form *f, int r) { f->outr |= 1u << r; }
static void FIX(Form *f, int r, uint32_t v) { f->inr |= 1u << r; f->fixmask |= 1u << r; f->fixv[r] = v; }
static void SREG(Form *f, int reg, int w) { f->s[f->nslot].mem = 0; f->s[f->nslot].reg = reg; f->s[f->nslot].w = w; f->s[f->nslot].sh = 0; f->nslot++; f->inr |= 1u << reg; }
/* 8-bit register operand by ModRM code: 0-3 al cl dl bl, 4-7 ah ch dh bh */
static void SREG8(Form *f, int code) { SREG(f, code & 3, 8); f->s[f->nslot - 1].sh = (code & 4) ? 8 : 0; }
static __attribute__((unused)) void SREGW(Form *f, int reg, int w) { if (w == 8) SREG8(f, reg); else SREG(f, reg, w); }
static int MEM(Form *f, uint32_t addr, int len, int in, int out) {
  int k = f->nmem++;
  f->maddr[k] = addr; f->mlen[k] = len; f->min[k] = in; f->mout[k] = out;
  return k;
}
static __attribute__((unused)) void SMEM(Form *f, int k, int off, int w) { f->s[f->nslot].mem = 1; f->s[f->nslot].reg = k; f->s[f->nslot].w = w; f->s[f->nslot].sh = off; f->nslot++; }
static __attribute__((unused)) int regof8(int code) { return code & 3; }

static void hexs(char *buf, const char *fmt, ...) {
  va_list ap; va_start(ap, fmt); vsprintf(buf, fmt, ap); va_end(ap);
}
static void put_le(char *dst, uint32_t v, int w) { /* append little-endian hex of w bits */
  char *p = dst + strlen(dst);
  for (int i = 0; i < w / 8; i++) p += sprintf(p, "%02x", (v >> (8 * i)) & 0xff);
}
static void set_u(Form *f, Row *r, uint32_t u) { if (u != f->undef) { r->has_u = 1; r->u = u; } }
static __attribute__((unused)) uint32_t slotval(Row *r, Form *f, int i) {
  if (f->s[i].mem) { uint32_t v = 0; memcpy(&v, &r->in.m[f->s[i].reg][f->s[i].sh], f->s[i].w / 8); return v; }
  return (r->in.r[f->s[i].reg] >> f->s[i].sh) & wmask(f->s[i].w);
}
static void setslot(Row *r, Form *f, int i, uint32_t v) {
  int w = f->s[i].w;
  v &= wmask(w);
  if (f->s[i].mem) { memcpy(&r->in.m[f->s[i].reg][f->s[i].sh], &v, w / 8); return; }
  uint32_t m = wmask(w) << f->s[i].sh;
  uint32_t *p = &r->in.r[f->s[i].reg];
  *p = (*p & ~m) | (v << f->s[i].sh);
}
static __attribute__((unused)) uint32_t spread6(unsigned b) { /* 6 bits -> CF PF AF ZF SF OF */
  static const uint32_t bits[6] = {CF, PF, AF, ZF, SF, OF};
  uint32_t v = 0;
  for (int i = 0; i < 6; i++) if (b >> i & 1) v |= bits[i];
  return v;
}

/* ---------------- execution ---------------- */
static uint8_t *codepage;
static sigjmp_buf jb;
static volatile int trapno_seen, in_thunk;
static void onfault(int sig, siginfo_t *si, void *uc_) {
  (void)si;
  if (!in_thunk) { static const char m[] = "fault outside the instruction thunk\n"; write(2, m, sizeof m - 1); _exit(3); }
  ucontext_t *uc = uc_;
  trapno_seen = (int)uc->uc_mcontext.gregs[REG_TRAPNO];
  if (sig == SIGFPE && trapno_seen != 0) trapno_seen = 0;
  siglongjmp(jb, 1);
}

static uint8_t *cp;
static void e(int b) { *cp++ = (uint8_t)b; }
static void e32(uint32_t v) { memcpy(cp, &v, 4); cp += 4; }
static void build_thunk(Form *f) {
  cp = codepage;
#ifdef __x86_64__
  e(0x53); e(0x55); e(0x41); e(0x54); e(0x41); e(0x55); e(0x41); e(0x56); e(0x41); e(0x57);
  e(0x48); e(0x89); e(0x24); e(0x25); e32(STATE + 0x30); /* mov [savedsp],rsp */
#else
  e(0x60);                                       /* pusha */
  e(0x89); e(0x24); e(0x25); e32(STATE + 0x30); /* mov [savedsp],esp */
#endif
  e(0xFF); e(0x34); e(0x25); e32(STATE + 0x20); /* push [fin] */
  e(0x9D);                                       /* popf */
  for (int r = 0; r < 8; r++) {
    if (r == ESP && !f->stack) continue;
    e(0x8B); e((r << 3) | 4); e(0x25); e32(STATE + 4 * r); /* mov r32,[abs] */
  }
  if (f->nhb) for (int i = 0; i < f->nhb; i++) e(f->hb[i]);
  else for (int i = 0; i < f->nb; i++) e(f->b[i]);
  for (int r = 0; r < 8; r++) { e(0x89); e((r << 3) | 4); e(0x25); e32(STATE + 4 * r); }
#ifdef __x86_64__
  e(0x48); e(0x8B); e(0x24); e(0x25); e32(STATE + 0x30); /* mov rsp,[savedsp] */
#else
  e(0x8B); e(0x24); e(0x25); e32(STATE + 0x30);
#endif
  e(0x9C); e(0x8F); e(0x04); e(0x25); e32(STATE + 0x28); /* pushf; pop [fout] */
  e(0xFC);                                               /* cld */
#ifdef __x86_64__
  e(0x41); e(0x5F); e(0x41); e(0x5E); e(0x41); e(0x5D); e(0x41); e(0x5C); e(0x5D); e(0x5B);
#else
  e(0x61);
#endif
  e(0xC3);
}

static void run_row(Form *f, Row *r) {
  for (int i = 0; i < 8; i++) {
    if (!(f->inr >> i & 1)) r->in.r[i] = 0;
    HS->r[i] = r->in.r[i];
  }
  HS->fin = r->in.fl;
  HS->fout = 0;
  for (int k = 0; k < f->nmem; k++) {
    uint8_t *p = (uint8_t *)(uintptr_t)f->maddr[k];
    if (!f->min[k]) memset(r->in.m[k], 0, f->mlen[k]);
    memcpy(p, r->in.m[k], f->mlen[k]);
  }
  if (sigsetjmp(jb, 1) == 0) {
    in_thunk = 1;
    ((void (*)(void))codepage)();
    in_thunk = 0;
    r->exc = -1;
    for (int i = 0; i < 8; i++) r->out.r[i] = HS->r[i];
    r->out.fl = (uint32_t)HS->fout;
    for (int k = 0; k < f->nmem; k++) memcpy(r->out.m[k], (uint8_t *)(uintptr_t)f->maddr[k], f->mlen[k]);
  } else {
    /* fault: architectural state is unchanged */
    in_thunk = 0;
    /* qemu-user does not fill the trap number in the signal context: fall back
       to the vector this form can raise (the only one it can raise). */
    r->exc = trapno_seen >= 0 ? trapno_seen : f->excvec;
    if (trapno_seen >= 0 && trapno_seen != f->excvec) { fprintf(stderr, "%s: unexpected trap %d\n", f->name, trapno_seen); exit(1); }
    r->out = r->in;
    /* restore memory image in case anything was touched */
    for (int k = 0; k < f->nmem; k++) memcpy((uint8_t *)(uintptr_t)f->maddr[k], r->in.m[k], f->mlen[k]);
  }
}

/* ---------------- output ---------------- */
static void tok_hex(FILE *o, uint32_t v) { fprintf(o, " %x", v); }
/* Memory fields are emitted in chunks of at most 8 bytes (m<addr>.<len>, len 1..8)
   so that <len> reads the same in decimal and in hex. */
#define CHUNK 8
static void tok_mem(FILE *o, const uint8_t *m, int n) {
  for (int c = 0; c < n; c += CHUNK) {
    fputc(' ', o);
    for (int i = c; i < n && i < c + CHUNK; i++) fprintf(o, "%02x", m[i]);
  }
}
static void tok_memx(FILE *o, int n) { for (int c = 0; c < n; c += CHUNK) fputs(" x", o); }
static void hdr_mem(FILE *o, uint32_t addr, uint32_t len) {
  for (uint32_t c = 0; c < len; c += CHUNK) fprintf(o, ",m%x.%u", addr + c, len - c < CHUNK ? len - c : CHUNK);
}
static void print_form_header(FILE *o, Form *f, const char *oracle) {
  fprintf(o, "@form %s oracle=%s bytes=", f->name, oracle);
  for (int i = 0; i < f->nb; i++) fprintf(o, "%02x", f->b[i]);
  fprintf(o, " in=");
  int first = 1;
  for (int i = 0; i < 8; i++) if (f->inr >> i & 1) { fprintf(o, "%s%s", first ? "" : ",", regname[i]); first = 0; }
  fprintf(o, "%sflags", first ? "" : ",");
  for (int k = 0; k < f->nmem; k++) if (f->min[k]) hdr_mem(o, f->maddr[k], f->mlen[k]);
  fprintf(o, " out=");
  first = 1;
  for (int i = 0; i < 8; i++) if (f->outr >> i & 1) { fprintf(o, "%s%s", first ? "" : ",", regname[i]); first = 0; }
  fprintf(o, "%sflags", first ? "" : ",");
  for (int k = 0; k < f->nmem; k++) if (f->mout[k]) hdr_mem(o, f->maddr[k], f->mlen[k]);
  if (f->exc) fprintf(o, ",exc");
  fprintf(o, " undef=%x\n", f->undef);
}
static void print_row(FILE *o, Form *f, Row *r) {
  int first = 1;
  for (int i = 0; i < 8; i++) if (f->inr >> i & 1) { fprintf(o, first ? "%x" : " %x", r->in.r[i]); first = 0; }
  fprintf(o, first ? "%x" : " %x", r->in.fl);
  for (int k = 0; k < f->nmem; k++) if (f->min[k]) tok_mem(o, r->in.m[k], f->mlen[k]);
  for (int i = 0; i < 8; i++)
    if (f->outr >> i & 1) {
      if (r->xmask >> i & 1) fputs(" x", o);
      else tok_hex(o, r->out.r[i]);
    }
  tok_hex(o, r->out.fl);
  for (int k = 0; k < f->nmem; k++)
    if (f->mout[k]) {
      if (r->xmask >> (8 + k) & 1) tok_memx(o, f->mlen[k]);
      else tok_mem(o, r->out.m[k], f->mlen[k]);
    }
  if (f->exc) { if (r->exc < 0) fputs(" ff", o); else fprintf(o, " %x", r->exc); }
  if (r->has_u) fprintf(o, " u=%x", r->u);
  fputc('\n', o);
}

static void gen_row(Form *f, Row *r, int i) {
  memset(r, 0, sizeof *r);
  for (int j = 0; j < 8; j++) r->in.r[j] = rnd();
  for (int k = 0; k < f->nmem; k++)
    for (uint32_t j = 0; j < f->mlen[k]; j++) r->in.m[k][j] = rnd();
  for (int s = 0; s < f->nslot; s++) setslot(r, f, s, genval(f->s[s].w));
  for (int j = 0; j < 8; j++) if (f->fixmask >> j & 1) r->in.r[j] = f->fixv[j];
  r->in.fl = 0x202 | (rnd() & f->fmask) | f->fset;
  if (f->gen) f->gen(f, r, i);
}

/* =============================================================== */
/*                        form definitions                          */
/* =============================================================== */
static uint8_t modrm(int mod, int reg, int rm) { return (uint8_t)(mod << 6 | reg << 3 | rm); }
static const char *pfx(int w) { return w == 16 ? "66" : ""; }
static char hb[64];

#ifdef __x86_64__
/* ---------- ALU ---------- */
static const char *aluname[8] = {"add", "or", "adc", "sbb", "and", "sub", "xor", "cmp"};
static uint32_t alu_undef(int o) { return (o == 1 || o == 4 || o == 6) ? AF : 0; }
static void gen_samereg_hi(Form *f, Row *r, int i) { (void)f; (void)r; (void)i; }

static void imm_str(char *buf, uint32_t v, int w) { buf[0] = 0; put_le(buf, v, w); }

static void def_alu(void) {
  curfam = "alu";
  static const uint32_t i8[] = {0x01, 0x80, 0xff, 0}, i16[] = {0x0001, 0x8000, 0xffff, 0}, i32[] = {1, 0x80000000, 0xffffffff, 0};
  for (int o = 0; o < 9; o++) {
    int test = (o == 8);
    const char *N = test ? "test" : aluname[o];
    uint32_t u = test ? AF : alu_undef(o);
    int keep = (o == 7 || test); /* dest not written */
    int base = o * 8;
    int op8 = test ? 0x84 : base, opv = test ? 0x85 : base + 1;
    Form *f;
    defrows = 1000;
    /* Eb,Gb : dst CL, src DH */
    hexs(hb, "%02x%02x", op8, modrm(3, 6, 1));
    f = F(hb, "%s_Eb_Gb_8", N); SREG8(f, 1); SREG8(f, 6); OUT(f, ECX); f->undef = u;
    /* Eb,Gb high: dst AH, src BL */
    hexs(hb, "%02x%02x", op8, modrm(3, 3, 4));
    f = F(hb, "%s_Eb_Gb_8_hi", N); SREG8(f, 4); SREG8(f, 3); OUT(f, EAX); f->undef = u;
    /* same register */
    hexs(hb, "%02x%02x", op8, modrm(3, 7, 7));
    f = F(hb, "%s_Eb_Gb_8_same", N); SREG8(f, 7); OUT(f, EBX); f->undef = u; f->nrows = 300;
    for (int w = 16; w <= 32; w += 16) {
      hexs(hb, "%s%02x%02x", pfx(w), opv, modrm(3, EDX, ECX));
      f = F(hb, "%s_Ev_Gv_%d", N, w); SREG(f, ECX, w); SREG(f, EDX, w); OUT(f, ECX); f->undef = u;
      hexs(hb, "%s%02x%02x", pfx(w), opv, modrm(3, EAX, EAX));
      f = F(hb, "%s_Ev_Gv_%d_same", N, w); SREG(f, EAX, w); OUT(f, EAX); f->undef = u; f->nrows = 300;
    }
    if (!test) {
      hexs(hb, "%02x%02x", base + 2, modrm(3, 5, 0));
      f = F(hb, "%s_Gb_Eb_8", N); SREG8(f, 5); SREG8(f, 0); OUT(f, ECX); f->undef = u; f->nrows = 500;
      for (int w = 16; w <= 32; w += 16) {
        hexs(hb, "%s%02x%02x", pfx(w), base + 3, modrm(3, ESI, EBP));
        f = F(hb, "%s_Gv_Ev_%d", N, w); SREG(f, ESI, w); SREG(f, EBP, w); OUT(f, ESI); f->undef = u; f->nrows = 500;
      }
    }
    /* memory forms: [ebx] = 0x10100 */
    defrows = 300;
    for (int w = 8; w <= 32; w *= 2) {
      if (w == 8) hexs(hb, "%02x%02x", op8, modrm(0, 1, EBX));
      else hexs(hb, "%s%02x%02x", pfx(w), opv, modrm(0, ECX, EBX));
      f = F(hb, "%s_E%s_G%s_%d_mem", N, w == 8 ? "b" : "v", w == 8 ? "b" : "v", w);
      FIX(f, EBX, 0x10100); int k = MEM(f, 0x10100, w / 8, 1, 1); SMEM(f, k, 0, w); SREGW(f, ECX, w); f->undef = u;
      if (!test) {
        if (w == 8) hexs(hb, "%02x%02x", base + 2, modrm(0, 1, EBX));
        else hexs(hb, "%s%02x%02x", pfx(w), base + 3, modrm(0, ECX, EBX));
        f = F(hb, "%s_G%s_E%s_%d_mem", N, w == 8 ? "b" : "v", w == 8 ? "b" : "v", w);
        FIX(f, EBX, 0x10100); k = MEM(f, 0x10100, w / 8, 1, 1); SMEM(f, k, 0, w); SREGW(f, ECX, w); OUT(f, ECX); f->undef = u;
      }
    }
    /* immediates */
    defrows = 64;
    for (int j = 0; j < 4; j++) {
      char is[16];
      uint32_t v8 = i8[j] ? i8[j] : (rnd() & 0xff), v16 = i16[j] ? i16[j] : (rnd() & 0xffff), v32 = i32[j] ? i32[j] : rnd();
      int sh = test ? 0xa8 : base + 4;
      imm_str(is, v8, 8); hexs(hb, "%02x%s", sh, is);
      f = F(hb, "%s_AL_Ib_i%02x", N, v8); SREG8(f, 0); OUT(f, EAX); f->undef = u;
      imm_str(is, v16, 16); hexs(hb, "66%02x%s", sh + 1, is);
      f = F(hb, "%s_eAX_Iz_16_i%04x", N, v16); SREG(f, EAX, 16); OUT(f, EAX); f->undef = u;
      imm_str(is, v32, 32); hexs(hb, "%02x%s", sh + 1, is);
      f = F(hb, "%s_eAX_Iz_32_i%08x", N, v32); SREG(f, EAX, 32); OUT(f, EAX); f->undef = u;
      int g8 = test ? 0xf6 : 0x80, gv = test ? 0xf7 : 0x81, dig = test ? 0 : o;
      imm_str(is, v8, 8); hexs(hb, "%02x%02x%s", g8, modrm(3, dig, 2), is);
      f = F(hb, "%s_Eb_Ib_8_i%02x", N, v8); SREG8(f, 2); OUT(f, EDX); f->undef = u;
      imm_str(is, v16, 16); hexs(hb, "66%02x%02x%s", gv, modrm(3, dig, EBX), is);
      f = F(hb, "%s_Ev_Iz_16_i%04x", N, v16); SREG(f, EBX, 16); OUT(f, EBX); f->undef = u;
      imm_str(is, v32, 32); hexs(hb, "%02x%02x%s", gv, modrm(3, dig, EBX), is);
      f = F(hb, "%s_Ev_Iz_32_i%08x", N, v32); SREG(f, EBX, 32); OUT(f, EBX); f->undef = u;
      if (!test) {
        static const uint32_t s8[] = {0x01, 0x80, 0xff, 0x7f};
        for (int w = 16; w <= 32; w += 16) {
          hexs(hb, "%s83%02x%02x", pfx(w), modrm(3, o, EDI), s8[j]);
          f = F(hb, "%s_Ev_Ib_%d_i%02x", N, w, s8[j]); SREG(f, EDI, w); OUT(f, EDI); f->undef = u;
        }
      }
    }
    (void)keep;
  }
  (void)gen_samereg_hi;
}

/* ---------- unary: inc dec neg not ---------- */
static void def_unary(void) {
  curfam = "unary";
  static const char *nm[4] = {"inc", "dec", "neg", "not"};
  Form *f;
  for (int o = 0; o < 4; o++) {
    int op8 = o < 2 ? 0xfe : 0xf6, opv = o < 2 ? 0xff : 0xf7, dig = o < 2 ? o : o;
    defrows = 800;
    hexs(hb, "%02x%02x", op8, modrm(3, dig, 7));
    f = F(hb, "%s_Eb_8", nm[o]); SREG8(f, 7); OUT(f, EBX);
    hexs(hb, "%02x%02x", op8, modrm(3, dig, 2));
    f = F(hb, "%s_Eb_8_lo", nm[o]); SREG8(f, 2); OUT(f, EDX); f->nrows = 300;
    for (int w = 16; w <= 32; w += 16) {
      hexs(hb, "%s%02x%02x", pfx(w), opv, modrm(3, dig, ESI));
      f = F(hb, "%s_Ev_%d", nm[o], w); SREG(f, ESI, w); OUT(f, ESI);
    }
    defrows = 300;
    for (int w = 8; w <= 32; w *= 2) {
      hexs(hb, "%s%02x%02x", pfx(w), w == 8 ? op8 : opv, modrm(0, dig, EBX));
      f = F(hb, "%s_E%s_%d_mem", nm[o], w == 8 ? "b" : "v", w);
      FIX(f, EBX, 0x10100); int k = MEM(f, 0x10100, w / 8, 1, 1); SMEM(f, k, 0, w);
    }
  }
  /* short forms 40+r / 48+r (REX prefixes in 64-bit mode: run FF /0, FF /1) */
  defrows = 200;
  static const char *r16[8] = {"ax", "cx", "dx", "bx", "sp", "bp", "si", "di"};
  for (int o = 0; o < 2; o++)
    for (int r = 0; r < 8; r++) {
      if (r == ESP) continue; /* done under qemu-i386 */
      for (int w = 16; w <= 32; w += 16) {
        hexs(hb, "%s%02x", pfx(w), 0x40 + 8 * o + r);
        f = F(hb, "%s_Zv_%d_%s", o ? "dec" : "inc", w, w == 16 ? r16[r] : regname[r]);
        SREG(f, r, w); OUT(f, r);
        hexs(hb, "%sff%02x", pfx(w), modrm(3, o, r));
        HOSTBYTES(f, hb);
      }
    }
}

/* ---------- shifts / rotates ---------- */
static const char *shname[8] = {"rol", "ror", "rcl", "rcr", "shl", "shr", "sal", "sar"};
static uint32_t shift_undef(int op, int w, int c) {
  int mc = c & 31;
  if (!mc) return 0;
  if (op <= 3) return mc > 1 ? OF : 0;
  uint32_t u = AF | (mc > 1 ? OF : 0);
  if ((op == 4 || op == 5) && mc >= w) u |= CF;
  return u;
}
static int cl_count(int i) { return (i & 1) ? ((i >> 1) % 32) : ((i >> 1) % 256); }
static void gen_cl(Form *f, Row *r, int i) {
  (void)f;
  r->in.r[ECX] = (r->in.r[ECX] & ~0xffu) | cl_count(i);
}
static void post_shift(Form *f, Row *r) {
  int c = f->cnt >= 0 ? f->cnt : (int)(r->in.r[ECX] & 0xff);
  set_u(f, r, shift_undef(f->op, f->w, c));
}
static const int immcounts[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19,
                                20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 63, 64, 128, 255};
#define NIMMC ((int)(sizeof immcounts / sizeof immcounts[0]))
static void def_shift(void) {
  curfam = "shift";
  static const int ops[7] = {0, 1, 2, 3, 4, 5, 7};
  Form *f;
  for (int oi = 0; oi < 7; oi++) {
    int op = ops[oi];
    for (int w = 8; w <= 32; w *= 2) {
      int rm = w == 8 ? 6 : (w == 16 ? EBX : EDI); /* DH, BX, EDI */
      int o1 = w == 8 ? 0xd0 : 0xd1, ocl = w == 8 ? 0xd2 : 0xd3, oib = w == 8 ? 0xc0 : 0xc1;
      const char *E = w == 8 ? "Eb" : "Ev";
      /* by 1 */
      defrows = 400;
      hexs(hb, "%s%02x%02x", pfx(w), o1, modrm(3, op, rm));
      f = F(hb, "%s_%s_1_%d", shname[op], E, w); SREGW(f, rm, w); OUT(f, w == 8 ? EDX : rm);
      f->op = op; f->w = w; f->cnt = 1; f->undef = shift_undef(op, w, 1);
      /* by CL */
      defrows = 1024;
      hexs(hb, "%s%02x%02x", pfx(w), ocl, modrm(3, op, rm));
      f = F(hb, "%s_%s_CL_%d", shname[op], E, w); SREGW(f, rm, w); IN(f, ECX); OUT(f, w == 8 ? EDX : rm);
      f->op = op; f->w = w; f->gen = gen_cl; f->post = post_shift; f->undef = shift_undef(op, w, 2);
      /* by imm8 */
      defrows = 32;
      for (int j = 0; j < NIMMC; j++) {
        int c = immcounts[j];
        hexs(hb, "%s%02x%02x%02x", pfx(w), oib, modrm(3, op, rm), c);
        f = F(hb, "%s_%s_Ib_%d_c%d", shname[op], E, w, c); SREGW(f, rm, w); OUT(f, w == 8 ? EDX : rm);
        f->op = op; f->w = w; f->cnt = c; f->undef = shift_undef(op, w, c);
      }
    }
  }
  /* one memory form per shift kind group */
  defrows = 512;
  f = F("d323", "shl_Ev_CL_32_mem"); FIX(f, EBX, 0x10100); int k = MEM(f, 0x10100, 4, 1, 1); SMEM(f, k, 0, 32); IN(f, ECX);
  f->op = 4; f->w = 32; f->gen = gen_cl; f->post = post_shift; f->undef = shift_undef(4, 32, 2);
  f = F("d33b", "sar_Ev_CL_32_mem"); FIX(f, EBX, 0x10100); k = MEM(f, 0x10100, 4, 1, 1); SMEM(f, k, 0, 32); IN(f, ECX);
  f->op = 7; f->w = 32; f->gen = gen_cl; f->post = post_shift; f->undef = shift_undef(7, 32, 2);
  f = F("66d313", "rcl_Ev_CL_16_mem"); FIX(f, EBX, 0x10100); k = MEM(f, 0x10100, 2, 1, 1); SMEM(f, k, 0, 16); IN(f, ECX);
  f->op = 2; f->w = 16; f->gen = gen_cl; f->post = post_shift; f->undef = shift_undef(2, 16, 2);
}

/* ---------- shld / shrd ---------- */
static uint32_t shd_undef(int w, int c) {
  int mc = c & 31;
  if (!mc) return 0;
  if (mc > w) return ST6;
  return AF | (mc > 1 ? OF : 0);
}
static void post_shd(Form *f, Row *r) {
  int c = f->cnt >= 0 ? f->cnt : (int)(r->in.r[ECX] & 0xff);
  set_u(f, r, shd_undef(f->w, c));
  if ((c & 31) > f->w) r->xmask |= 1u << EBX;
}
static void def_shiftd(void) {
  curfam = "shiftd";
  Form *f;
  for (int d = 0; d < 2; d++) {
    const char *N = d ? "shrd" : "shld";
    int oib = d ? 0xac : 0xa4;
    for (int w = 16; w <= 32; w += 16) {
      defrows = 1024;
      hexs(hb, "%s0f%02x%02x", pfx(w), oib + 1, modrm(3, EDX, EBX));
      f = F(hb, "%s_Ev_Gv_CL_%d", N, w); SREG(f, EBX, w); SREG(f, EDX, w); IN(f, ECX); OUT(f, EBX);
      f->w = w; f->gen = gen_cl; f->post = post_shd; f->undef = shd_undef(w, 2);
      defrows = 32;
      for (int j = 0; j < NIMMC; j++) {
        int c = immcounts[j];
        hexs(hb, "%s0f%02x%02x%02x", pfx(w), oib, modrm(3, EDX, EBX), c);
        f = F(hb, "%s_Ev_Gv_Ib_%d_c%d", N, w, c); SREG(f, EBX, w); SREG(f, EDX, w); OUT(f, EBX);
        f->w = w; f->cnt = c; f->post = post_shd; f->undef = shd_undef(w, c);
      }
    }
  }
}

/* ---------- mul / imul / div / idiv ---------- */
static void set_dividend(Row *r, int w, uint64_t v) {
  if (w == 8) r->in.r[EAX] = (r->in.r[EAX] & ~0xffffu) | (uint32_t)(v & 0xffff);
  else if (w == 16) {
    r->in.r[EAX] = (r->in.r[EAX] & ~0xffffu) | (uint32_t)(v & 0xffff);
    r->in.r[EDX] = (r->in.r[EDX] & ~0xffffu) | (uint32_t)((v >> 16) & 0xffff);
  } else {
    r->in.r[EAX] = (uint32_t)v;
    r->in.r[EDX] = (uint32_t)(v >> 32);
  }
}
static void gen_div(Form *f, Row *r, int i) {
  (void)i;
  int w = f->w, sgn = f->op;
  uint32_t m = wmask(w);
  int k = rnd() % 20;
  uint32_t d = slotval(r, f, 0);
  if (k == 0) { setslot(r, f, 0, 0); return; }
  if (k <= 2) return; /* fully random dividend (mostly overflow) */
  if (d == 0) { d = 1 + rnd() % 1000; setslot(r, f, 0, d); }
  if (!sgn) {
    uint64_t hi = rnd() % d, lo = genval(w);
    set_dividend(r, w, (hi << w) | lo);
    return;
  }
  int64_t sd = (int64_t)(int32_t)(d << (32 - w)) >> (32 - w);
  int64_t dv;
  if (k == 3) { /* INT_MIN / -1 style overflow */
    setslot(r, f, 0, m);
    dv = -((int64_t)1 << (w - 1));
  } else if (k < 12) {
    uint32_t v = genval(w);
    dv = (int64_t)(int32_t)(v << (32 - w)) >> (32 - w);
  } else {
    uint32_t qv = genval(w);
    int64_t q = (int64_t)(int32_t)(qv << (32 - w)) >> (32 - w);
    q >>= rnd() % 4;
    int64_t ad = sd < 0 ? -sd : sd;
    int64_t rr = (int64_t)(rnd64() % (uint64_t)ad);
    dv = q * sd;
    dv += (dv < 0) ? -rr : rr;
  }
  set_dividend(r, w, (uint64_t)dv & (w == 32 ? ~0ull : ((1ull << (2 * w)) - 1)));
}
static void post_div(Form *f, Row *r) { if (r->exc >= 0) set_u(f, r, 0); }
static void def_muldiv(void) {
  curfam = "muldiv";
  static const char *nm[4] = {"mul", "imul", "div", "idiv"};
  Form *f;
  for (int o = 0; o < 4; o++) {
    int dig = 4 + o, isdiv = o >= 2;
    defrows = 2000;
    hexs(hb, "f6%02x", modrm(3, dig, 3));
    f = F(hb, "%s_Eb_8", nm[o]); SREG8(f, 3); SREG(f, EAX, isdiv ? 16 : 8); OUT(f, EAX);
    f->w = 8; f->op = o & 1;
    if (isdiv) { f->undef = ST6; f->exc = 1; f->gen = gen_div; f->post = post_div; } else f->undef = PF | AF | ZF | SF;
    for (int w = 16; w <= 32; w += 16) {
      hexs(hb, "%sf7%02x", pfx(w), modrm(3, dig, EBX));
      f = F(hb, "%s_Ev_%d", nm[o], w); SREG(f, EBX, w); SREG(f, EAX, w); IN(f, EDX); OUT(f, EAX); OUT(f, EDX);
      f->w = w; f->op = o & 1;
      if (isdiv) { f->undef = ST6; f->exc = 1; f->gen = gen_div; f->post = post_div; } else f->undef = PF | AF | ZF | SF;
    }
    if (!isdiv) { /* operand is the accumulator itself */
      defrows = 300;
      hexs(hb, "f7%02x", modrm(3, dig, EAX));
      f = F(hb, "%s_Ev_32_eax", nm[o]); SREG(f, EAX, 32); IN(f, EDX); OUT(f, EAX); OUT(f, EDX); f->undef = PF | AF | ZF | SF;
    }
  }
  /* div by memory operand */
  defrows = 500;
  f = F("f733", "div_Ev_32_mem"); FIX(f, EBX, 0x10100); { int k = MEM(f, 0x10100, 4, 1, 0); SMEM(f, k, 0, 32); }
  SREG(f, EAX, 32); IN(f, EDX); OUT(f, EAX); OUT(f, EDX); f->w = 32; f->op = 0; f->undef = ST6; f->exc = 1; f->gen = gen_div; f->post = post_div;
  f = F("f73b", "idiv_Ev_32_mem"); FIX(f, EBX, 0x10100); { int k = MEM(f, 0x10100, 4, 1, 0); SMEM(f, k, 0, 32); }
  SREG(f, EAX, 32); IN(f, EDX); OUT(f, EAX); OUT(f, EDX); f->w = 32; f->op = 1; f->undef = ST6; f->exc = 1; f->gen = gen_div; f->post = post_div;
  /* imul 2- and 3-operand */
  defrows = 1500;
  for (int w = 16; w <= 32; w += 16) {
    hexs(hb, "%s0faf%02x", pfx(w), modrm(3, ECX, EBX));
    f = F(hb, "imul_Gv_Ev_%d", w); SREG(f, ECX, w); SREG(f, EBX, w); OUT(f, ECX); f->undef = PF | AF | ZF | SF;
    defrows = 100;
    static const uint8_t ib[] = {0x00, 0x01, 0x02, 0x7f, 0x80, 0xff, 0x0a, 0xf0};
    for (unsigned j = 0; j < sizeof ib; j++) {
      hexs(hb, "%s6b%02x%02x", pfx(w), modrm(3, ECX, EBX), ib[j]);
      f = F(hb, "imul_Gv_Ev_Ib_%d_i%02x", w, ib[j]); IN(f, ECX); SREG(f, EBX, w); OUT(f, ECX); f->undef = PF | AF | ZF | SF;
    }
    uint32_t iz32[8] = {0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 1000, 0x10001, 0};
    uint32_t iz16[8] = {0, 1, 0x7fff, 0x8000, 0xffff, 1000, 0x0101, 0};
    iz32[7] = rnd(); iz16[7] = rnd() & 0xffff;
    for (int j = 0; j < 8; j++) {
      char is[16];
      uint32_t v = w == 16 ? iz16[j] : iz32[j];
      imm_str(is, v, w);
      hexs(hb, "%s69%02x%s", pfx(w), modrm(3, ECX, EBX), is);
      f = F(hb, w == 16 ? "imul_Gv_Ev_Iz_16_i%04x" : "imul_Gv_Ev_Iz_32_i%08x", v); IN(f, ECX); SREG(f, EBX, w); OUT(f, ECX); f->undef = PF | AF | ZF | SF;
    }
    defrows = 1500;
  }
}

/* ---------- bit ops ---------- */
static void gen_bitoff(Form *f, Row *r, int i) {
  (void)f; (void)i;
  if (rnd() % 2) r->in.r[ECX] = rnd() % 64;
}
static void gen_bsrc(Form *f, Row *r, int i) {
  (void)i;
  int w = f->w, k = rnd() % 10;
  uint32_t v;
  if (k == 0) v = 0;
  else if (k < 4) v = 1u << (rnd() % w);
  else if (k < 6) v = rnd() & rnd() & rnd();
  else if (k < 7) v = (1u << (rnd() % w)) | (1u << (rnd() % w));
  else v = genval(w);
  setslot(r, f, 1, v);
}
static void post_bs(Form *f, Row *r) { if ((r->in.r[EBX] & wmask(f->w)) == 0) r->xmask |= 1u << ECX; }
static void def_bitops(void) {
  curfam = "bitops";
  static const char *nm[4] = {"bt", "bts", "btr", "btc"};
  static const uint8_t opr[4] = {0xa3, 0xab, 0xb3, 0xbb};
  static const uint8_t imms[] = {0, 1, 7, 8, 15, 16, 17, 31, 32, 47, 0x80, 0xff};
  Form *f;
  for (int o = 0; o < 4; o++)
    for (int w = 16; w <= 32; w += 16) {
      defrows = 1000;
      hexs(hb, "%s0f%02x%02x", pfx(w), opr[o], modrm(3, ECX, EBX));
      f = F(hb, "%s_Ev_Gv_%d", nm[o], w); SREG(f, EBX, w); SREG(f, ECX, w); OUT(f, EBX); f->gen = gen_bitoff; f->undef = OF | SF | AF | PF;
      defrows = 48;
      for (unsigned j = 0; j < sizeof imms; j++) {
        hexs(hb, "%s0fba%02x%02x", pfx(w), modrm(3, 4 + o, EBX), imms[j]);
        f = F(hb, "%s_Ev_Ib_%d_i%02x", nm[o], w, imms[j]); SREG(f, EBX, w); OUT(f, EBX); f->undef = OF | SF | AF | PF;
      }
    }
  defrows = 1000;
  for (int o = 0; o < 2; o++)
    for (int w = 16; w <= 32; w += 16) {
      hexs(hb, "%s0f%02x%02x", pfx(w), 0xbc + o, modrm(3, ECX, EBX));
      f = F(hb, "%s_Gv_Ev_%d", o ? "bsr" : "bsf", w); SREG(f, ECX, w); SREG(f, EBX, w); OUT(f, ECX);
      f->w = w; f->gen = gen_bsrc; f->post = post_bs; f->undef = ST6 & ~ZF;
    }
  defrows = 200;
  for (int r = 0; r < 8; r++) {
    if (r == ESP) continue;
    hexs(hb, "0f%02x", 0xc8 + r);
    f = F(hb, "bswap_Zv_32_%s", regname[r]); SREG(f, r, 32); OUT(f, r);
  }
}

/* ---------- xadd / cmpxchg / cmpxchg8b / xchg ---------- */
static void gen_cmpxchg(Form *f, Row *r, int i) {
  (void)i;
  if (rnd() % 2) { /* make accumulator equal to destination */
    uint32_t d = slotval(r, f, 0);
    uint32_t m = wmask(f->w);
    r->in.r[EAX] = (r->in.r[EAX] & ~m) | d;
  }
}
static void gen_cx8(Form *f, Row *r, int i) {
  (void)f; (void)i;
  if (rnd() % 2) { memcpy(&r->in.r[EAX], &r->in.m[0][0], 4); memcpy(&r->in.r[EDX], &r->in.m[0][4], 4); }
  else if (rnd() % 2) { memcpy(&r->in.r[EAX], &r->in.m[0][0], 4); }
}
static void def_xchgcmp(void) {
  curfam = "xchgcmp";
  Form *f;
  int k;
  for (int w = 8; w <= 32; w *= 2) {
    const char *E = w == 8 ? "Eb_Gb" : "Ev_Gv";
    int xop = w == 8 ? 0xc0 : 0xc1, cop = w == 8 ? 0xb0 : 0xb1;
    defrows = 800;
    /* xadd reg: dst CL/CX/ECX, src DL/DX/EDX */
    hexs(hb, "%s0f%02x%02x", pfx(w), xop, modrm(3, EDX, ECX));
    f = F(hb, "xadd_%s_%d", E, w); SREGW(f, ECX, w); SREGW(f, EDX, w); OUT(f, ECX); OUT(f, EDX);
    hexs(hb, "%s0f%02x%02x", pfx(w), cop, modrm(3, EDX, ECX));
    f = F(hb, "cmpxchg_%s_%d", E, w); SREGW(f, ECX, w); SREGW(f, EDX, w); IN(f, EAX); OUT(f, EAX); OUT(f, ECX); f->w = w; f->gen = gen_cmpxchg;
    defrows = 300;
    for (int lk = 0; lk < 2; lk++) {
      hexs(hb, "%s%s0f%02x%02x", lk ? "f0" : "", pfx(w), xop, modrm(0, EDX, EBX));
      f = F(hb, "%sxadd_%s_%d_mem", lk ? "lock_" : "", E, w); FIX(f, EBX, 0x10100); k = MEM(f, 0x10100, w / 8, 1, 1); SMEM(f, k, 0, w); SREGW(f, EDX, w); OUT(f, EDX);
      hexs(hb, "%s%s0f%02x%02x", lk ? "f0" : "", pfx(w), cop, modrm(0, EDX, EBX));
      f = F(hb, "%scmpxchg_%s_%d_mem", lk ? "lock_" : "", E, w); FIX(f, EBX, 0x10100); k = MEM(f, 0x10100, w / 8, 1, 1); SMEM(f, k, 0, w); SREGW(f, EDX, w); IN(f, EAX); OUT(f, EAX);
      f->w = w; f->gen = gen_cmpxchg;
    }
    /* xchg */
    defrows = 300;
    hexs(hb, "%s%02x%02x", pfx(w), w == 8 ? 0x86 : 0x87, modrm(3, w == 8 ? 6 : EDX, ECX));
    f = F(hb, "xchg_%s_%d", E, w); SREGW(f, ECX, w); SREGW(f, w == 8 ? 6 : EDX, w); OUT(f, ECX); OUT(f, EDX);
    hexs(hb, "%s%02x%02x", pfx(w), w == 8 ? 0x86 : 0x87, modrm(0, EDX, EBX));
    f = F(hb, "xchg_%s_%d_mem", E, w); FIX(f, EBX, 0x10100); k = MEM(f, 0x10100, w / 8, 1, 1); SMEM(f, k, 0, w); SREGW(f, EDX, w); OUT(f, EDX);
  }
  defrows = 200;
  static const char *r16[8] = {"ax", "cx", "dx", "bx", "sp", "bp", "si", "di"};
  for (int r = 1; r < 8; r++) {
    if (r == ESP) continue; /* qemu-i386 */
    for (int w = 16; w <= 32; w += 16) {
      hexs(hb, "%s%02x", pfx(w), 0x90 + r);
      f = F(hb, "xchg_eAX_Zv_%d_%s", w, w == 16 ? r16[r] : regname[r]); SREG(f, EAX, w); SREG(f, r, w); OUT(f, EAX); OUT(f, r);
    }
  }
  defrows = 1000;
  for (int lk = 0; lk < 2; lk++) {
    f = F(lk ? "f00fc70e" : "0fc70e", "%scmpxchg8b_Mq%s", lk ? "lock_" : "", "");
    FIX(f, ESI, 0x10200); k = MEM(f, 0x10200, 8, 1, 1); IN(f, EAX); IN(f, EDX); IN(f, ECX); IN(f, EBX); OUT(f, EAX); OUT(f, EDX);
    f->gen = gen_cx8;
    if (lk) f->nrows = 300;
  }
}

/* ---------- setcc / cmovcc ---------- */
static const char *ccname[16] = {"o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np", "l", "ge", "le", "g"};
static __attribute__((unused)) void gen_ccflags(Form *f, Row *r, int i) { (void)f; r->in.fl = 0x202 | spread6(i % 64) | (r->in.fl & DF); }
static void def_setcc(void) {
  curfam = "setcc";
  Form *f;
  defrows = 256;
  for (int cc = 0; cc < 16; cc++) {
    hexs(hb, "0f%02x%02x", 0x90 + cc, modrm(3, 0, cc & 7));
    f = F(hb, "set%s_Eb", ccname[cc]); SREG8(f, cc & 7); OUT(f, regof8(cc & 7)); f->gen = gen_ccflags;
    for (int w = 16; w <= 32; w += 16) {
      hexs(hb, "%s0f%02x%02x", pfx(w), 0x40 + cc, modrm(3, ECX, EBX));
      f = F(hb, "cmov%s_Gv_Ev_%d", ccname[cc], w); SREG(f, ECX, w); SREG(f, EBX, w); OUT(f, ECX); f->gen = gen_ccflags;
    }
  }
  /* setcc to memory, cmovcc from memory */
  f = F("0f9403", "sete_Eb_mem"); FIX(f, EBX, 0x10100); MEM(f, 0x10100, 1, 1, 1); f->gen = gen_ccflags;
  f = F("0f4c0b", "cmovl_Gv_Ev_32_mem"); FIX(f, EBX, 0x10100); { int k = MEM(f, 0x10100, 4, 1, 0); SMEM(f, k, 0, 32); } IO(f, ECX); f->gen = gen_ccflags;
}

/* ---------- movsx / movzx / cbw... / lahf / sahf ---------- */
static void gen_ahenum(Form *f, Row *r, int i) { (void)f; r->in.r[EAX] = (r->in.r[EAX] & ~0xff00u) | ((i & 0xff) << 8); }
static void def_movext(void) {
  curfam = "movext";
  Form *f;
  defrows = 400;
  for (int s = 0; s < 2; s++) {
    const char *N = s ? "movsx" : "movzx";
    int ob = s ? 0xbe : 0xb6;
    for (int w = 16; w <= 32; w += 16) {
      hexs(hb, "%s0f%02x%02x", pfx(w), ob, modrm(3, ECX, 7));
      f = F(hb, "%s_Gv_Eb_%d", N, w); IN(f, ECX); SREG8(f, 7); OUT(f, ECX);
      hexs(hb, "%s0f%02x%02x", pfx(w), ob, modrm(3, EDX, 0));
      f = F(hb, "%s_Gv_Eb_%d_lo", N, w); IN(f, EDX); SREG8(f, 0); OUT(f, EDX);
      hexs(hb, "%s0f%02x%02x", pfx(w), ob + 1, modrm(3, ECX, EBX));
      f = F(hb, "%s_Gv_Ew_%d", N, w); IN(f, ECX); SREG(f, EBX, 16); OUT(f, ECX);
    }
    hexs(hb, "0f%02x%02x", ob, modrm(3, EAX, 4));
    f = F(hb, "%s_Gv_Eb_32_self", N); SREG8(f, 4); OUT(f, EAX);
    hexs(hb, "0f%02x%02x", ob + 1, modrm(0, ECX, EBX));
    f = F(hb, "%s_Gv_Ew_32_mem", N); IN(f, ECX); FIX(f, EBX, 0x10101); { int k = MEM(f, 0x10101, 2, 1, 0); SMEM(f, k, 0, 16); } OUT(f, ECX);
  }
  f = F("6698", "cbw"); SREG(f, EAX, 8); IN(f, EDX); OUT(f, EAX); OUT(f, EDX);
  f = F("98", "cwde"); SREG(f, EAX, 16); IN(f, EDX); OUT(f, EAX); OUT(f, EDX);
  f = F("6699", "cwd"); SREG(f, EAX, 16); IN(f, EDX); OUT(f, EAX); OUT(f, EDX);
  f = F("99", "cdq"); SREG(f, EAX, 32); IN(f, EDX); OUT(f, EAX); OUT(f, EDX);
  defrows = 512;
  f = F("9f", "lahf"); IO(f, EAX); f->gen = gen_ccflags;
  f = F("9e", "sahf"); IO(f, EAX); f->gen = gen_ahenum;
}

/* ---------- string operations ---------- */
#define SRCA 0x20000u
#define DSTA 0x30000u
enum { S_MOVS, S_CMPS, S_STOS, S_LODS, S_SCAS };
static void gen_str(Form *f, Row *r, int i) {
  int s = f->w / 8, rep = f->aux, df = (f->fset & DF) != 0, op = f->op;
  uint32_t L = f->mlen[0], maxc = (L - 8) / s;
  uint32_t c = rep ? (i % 3 == 0 ? (i / 3) % (maxc + 1) : rnd() % (maxc + 1)) : (rnd() % 4 ? rnd() : rnd() % 3);
  if (rep && i % 17 == 0) c = 0;
  r->in.r[ECX] = c;
  uint32_t off = rnd() % 8;
  uint32_t sp = df ? SRCA + L - s - off : SRCA + off;
  uint32_t dp = df ? DSTA + L - s - (rnd() % 8) : DSTA + (rnd() % 8);
  r->in.r[ESI] = sp; r->in.r[EDI] = dp;
  /* memory content: low-entropy bytes so that compares find matches */
  uint8_t *src = r->in.m[0], *dst = f->nmem > 1 ? r->in.m[1] : r->in.m[0];
  static const uint8_t pal[4] = {0x00, 0x41, 0xff, 0x80};
  for (uint32_t j = 0; j < L; j++) { src[j] = rnd() % 3 ? pal[rnd() % 4] : rnd(); }
  if (op == S_CMPS) {
    int mode = rnd() % 3;
    if (mode == 0) memcpy(dst, src, L);
    else if (mode == 1) { memcpy(dst, src, L); dst[rnd() % L] ^= 1u << (rnd() % 8); if (rnd() % 2) dst[rnd() % L] ^= 0x80; }
    else {
      for (uint32_t j = 0; j < L; j++) dst[j] = src[j] ^ (uint8_t)(1 + rnd() % 255);
      if (rnd() % 2) { uint32_t p = rnd() % L; uint32_t a = p - p % s; memcpy(dst + a, src + a, (a + s <= L) ? s : 1); }
    }
  }
  if (op == S_SCAS) {
    uint32_t a = r->in.r[EAX];
    int mode = rnd() % 3;
    for (uint32_t j = 0; j + s <= L; j += s) {
      if (mode == 0) memcpy(dst + j, &a, s);
      else if (mode == 1) { if (rnd() % 2) memcpy(dst + j, &a, s); }
    }
    if (mode == 0 && rnd() % 2) dst[rnd() % L] ^= 0x10;
    if (mode == 2 && rnd() % 2) { uint32_t p = (rnd() % (L / s)) * s; memcpy(dst + p, &a, s); }
  }
  if (op == S_STOS || op == S_MOVS) for (uint32_t j = 0; j < L; j++) dst[j] = rnd();
}
static void def_string(void) {
  curfam = "string";
  static const char *nm[5] = {"movs", "cmps", "stos", "lods", "scas"};
  static const uint8_t ob[5] = {0xa4, 0xa6, 0xaa, 0xac, 0xae};
  static const char sfx[3] = {'b', 'w', 'd'};
  defrows = 220;
  for (int op = 0; op < 5; op++)
    for (int si = 0; si < 3; si++) {
      int w = 8 << si, s = w / 8;
      int np = (op == S_CMPS || op == S_SCAS) ? 3 : 2;
      for (int p = 0; p < np; p++)
        for (int df = 0; df < 2; df++) {
          const char *pn = p == 0 ? "" : (np == 2 ? "rep_" : (p == 1 ? "repe_" : "repne_"));
          const char *ph = p == 0 ? "" : (p == 1 ? "f3" : "f2");
          hexs(hb, "%s%s%02x", ph, pfx(w), ob[op] + (w > 8));
          Form *f = F(hb, "%s%s%c%s", pn, nm[op], sfx[si], df ? "_df1" : "");
          uint32_t L = (p ? 10 * s : s) + 8;
          f->op = op; f->w = w; f->aux = p != 0; f->fset = df ? DF : 0;
          IO(f, ECX);
          if (op == S_MOVS) { IO(f, ESI); IO(f, EDI); MEM(f, SRCA, L, 1, 0); MEM(f, DSTA, L, 1, 1); }
          if (op == S_CMPS) { IO(f, ESI); IO(f, EDI); MEM(f, SRCA, L, 1, 0); MEM(f, DSTA, L, 1, 0); }
          if (op == S_STOS) { IN(f, EAX); IO(f, EDI); MEM(f, DSTA, L, 1, 1); f->maddr[0] = DSTA; }
          if (op == S_LODS) { IO(f, EAX); IO(f, ESI); MEM(f, SRCA, L, 1, 0); }
          if (op == S_SCAS) { IN(f, EAX); IO(f, EDI); MEM(f, DSTA, L, 1, 0); }
          if (op == S_STOS) IO(f, EAX);
          if (op == S_SCAS) IO(f, EAX);
          SREG(f, EAX, w);
          if (op == S_MOVS || op == S_LODS || op == S_CMPS) {} /* eax not an operand */
          if (op == S_MOVS || op == S_CMPS) { f->inr &= ~1u; f->outr &= ~1u; f->nslot = 0; }
          f->gen = gen_str;
        }
    }
}
#else /* ================= i386 build (qemu-i386) ================= */

/* ---------- BCD ---------- */
static void gen_bcd(Form *f, Row *r, int i) {
  (void)f;
  uint32_t ah = (rnd() % 2) ? genval(8) : rnd() & 0xff;
  r->in.r[EAX] = (r->in.r[EAX] & 0xffff0000u) | (ah << 8) | (i & 0xff);
  r->in.fl = (r->in.fl & ~(AF | CF)) | ((i >> 8) & 1 ? AF : 0) | ((i >> 9) & 1 ? CF : 0);
}
static void post_aam(Form *f, Row *r) { if (r->exc >= 0) set_u(f, r, 0); }
static void def_bcd(void) {
  curfam = "bcd";
  Form *f;
  defrows = 1024;
  f = F("27", "daa"); IO(f, EAX); f->gen = gen_bcd; f->undef = OF;
  f = F("2f", "das"); IO(f, EAX); f->gen = gen_bcd; f->undef = OF;
  f = F("37", "aaa"); IO(f, EAX); f->gen = gen_bcd; f->undef = OF | SF | ZF | PF;
  f = F("3f", "aas"); IO(f, EAX); f->gen = gen_bcd; f->undef = OF | SF | ZF | PF;
  static const uint8_t am[] = {0x0a, 0x00, 0x01, 0x02, 0x07, 0x08, 0x10, 0x0c, 0xff};
  defrows = 512;
  for (unsigned j = 0; j < sizeof am; j++) {
    hexs(hb, "d4%02x", am[j]);
    f = F(hb, "aam_Ib_i%02x", am[j]); IO(f, EAX); f->gen = gen_bcd; f->undef = OF | AF | CF;
    if (am[j] == 0) { f->exc = 1; f->post = post_aam; f->nrows = 64; }
  }
  static const uint8_t ad[] = {0x0a, 0x00, 0x01, 0x07, 0x10, 0xff, 0x02};
  for (unsigned j = 0; j < sizeof ad; j++) {
    hexs(hb, "d5%02x", ad[j]);
    f = F(hb, "aad_Ib_i%02x", ad[j]); IO(f, EAX); f->gen = gen_bcd; f->undef = OF | AF | CF;
  }
}

/* ---------- push / pop / pusha / popa ---------- */
#define STK 0x20100u
static void def_stack(void) {
  curfam = "stack";
  Form *f;
  static const char *r16[8] = {"ax", "cx", "dx", "bx", "sp", "bp", "si", "di"};
  defrows = 150;
  for (int w = 16; w <= 32; w += 16)
    for (int r = 0; r < 8; r++) {
      const char *rn = w == 16 ? r16[r] : regname[r];
      hexs(hb, "%s%02x", pfx(w), 0x50 + r);
      f = F(hb, "push_Zv_%d_%s", w, rn); f->stack = 1; FIX(f, ESP, STK); if (r != ESP) IN(f, r); OUT(f, ESP);
      MEM(f, STK - 8, 16, 1, 1);
      hexs(hb, "%s%02x", pfx(w), 0x58 + r);
      f = F(hb, "pop_Zv_%d_%s", w, rn); f->stack = 1; FIX(f, ESP, STK); if (r != ESP) IO(f, r); OUT(f, ESP);
      MEM(f, STK - 8, 16, 1, 0);
    }
  static const uint32_t pi[] = {0x7f, 0x80, 0x00, 0xff};
  for (int w = 16; w <= 32; w += 16) {
    for (int j = 0; j < 4; j++) {
      hexs(hb, "%s6a%02x", pfx(w), pi[j]);
      f = F(hb, "push_Ib_%d_i%02x", w, pi[j]); f->stack = 1; FIX(f, ESP, STK); OUT(f, ESP); MEM(f, STK - 8, 16, 1, 1); f->nrows = 40;
    }
    char is[16];
    uint32_t v = w == 16 ? 0x8123 : 0x87654321;
    is[0] = 0; put_le(is, v, w);
    hexs(hb, "%s68%s", pfx(w), is);
    f = F(hb, "push_Iz_%d", w); f->stack = 1; FIX(f, ESP, STK); OUT(f, ESP); MEM(f, STK - 8, 16, 1, 1); f->nrows = 40;
    hexs(hb, "%sff%02x", pfx(w), modrm(0, 6, EBX));
    f = F(hb, "push_Ev_%d_mem", w); f->stack = 1; FIX(f, ESP, STK); FIX(f, EBX, 0x10100); OUT(f, ESP);
    MEM(f, STK - 8, 16, 1, 1); MEM(f, 0x10100, 4, 1, 0);
    hexs(hb, "%s8f%02x", pfx(w), modrm(0, 0, EBX));
    f = F(hb, "pop_Ev_%d_mem", w); f->stack = 1; FIX(f, ESP, STK); FIX(f, EBX, 0x10100); OUT(f, ESP);
    MEM(f, STK - 8, 16, 1, 0); MEM(f, 0x10100, 4, 1, 1);
    /* pusha / popa */
    hexs(hb, "%s60", pfx(w));
    f = F(hb, w == 16 ? "pushaw" : "pushad"); f->stack = 1; for (int r = 0; r < 8; r++) IO(f, r); FIX(f, ESP, STK);
    MEM(f, STK - 40, 48, 1, 1); f->nrows = 300;
    hexs(hb, "%s61", pfx(w));
    f = F(hb, w == 16 ? "popaw" : "popad"); f->stack = 1; for (int r = 0; r < 8; r++) IO(f, r); FIX(f, ESP, STK - 32);
    MEM(f, STK - 40, 48, 1, 0); f->nrows = 300;
  }
}

/* ---------- bound / into / esp-only short forms ---------- */
static void gen_bound(Form *f, Row *r, int i) {
  (void)i;
  int w = f->w;
  int32_t lo, hi, x;
  uint32_t a = genval(w), b = genval(w);
  int32_t sa = (int32_t)(a << (32 - w)) >> (32 - w), sb = (int32_t)(b << (32 - w)) >> (32 - w);
  lo = sa < sb ? sa : sb; hi = sa < sb ? sb : sa;
  if (rnd() % 8 == 0) { int32_t t = lo; lo = hi; hi = t; }
  int k = rnd() % 10;
  if (k < 4 && hi < lo) x = (int32_t)genval(w);
  else if (k < 4) x = (int32_t)((int64_t)lo + (int64_t)(rnd64() % ((uint64_t)((int64_t)hi - lo) + 1)));
  else if (k < 5) x = lo;
  else if (k < 6) x = hi;
  else if (k < 7) x = lo - 1;
  else if (k < 8) x = hi + 1;
  else x = (int32_t)genval(w);
  uint32_t m = wmask(w);
  r->in.r[EAX] = (r->in.r[EAX] & ~m) | ((uint32_t)x & m);
  memcpy(&r->in.m[0][0], &lo, w / 8);
  memcpy(&r->in.m[0][w / 8], &hi, w / 8);
}
static void def_legacy(void) {
  curfam = "legacy";
  Form *f;
  defrows = 600;
  f = F("6203", "bound_Gv_Ma_32"); IO(f, EAX); FIX(f, EBX, 0x10300); MEM(f, 0x10300, 8, 1, 0); f->exc = 1; f->excvec = 5; f->w = 32; f->gen = gen_bound;
  f = F("666203", "bound_Gv_Ma_16"); IO(f, EAX); FIX(f, EBX, 0x10300); MEM(f, 0x10300, 4, 1, 0); f->exc = 1; f->excvec = 5; f->w = 16; f->gen = gen_bound;
  defrows = 128;
  f = F("ce", "into"); f->exc = 1; f->excvec = 4;
  defrows = 200;
  f = F("44", "inc_Zv_32_esp"); f->stack = 1; SREG(f, ESP, 32); OUT(f, ESP);
  f = F("4c", "dec_Zv_32_esp"); f->stack = 1; SREG(f, ESP, 32); OUT(f, ESP);
  f = F("6644", "inc_Zv_16_sp"); f->stack = 1; SREG(f, ESP, 16); OUT(f, ESP);
  f = F("664c", "dec_Zv_16_sp"); f->stack = 1; SREG(f, ESP, 16); OUT(f, ESP);
  f = F("94", "xchg_eAX_Zv_32_esp"); f->stack = 1; SREG(f, ESP, 32); SREG(f, EAX, 32); OUT(f, ESP); OUT(f, EAX);
  f = F("6694", "xchg_eAX_Zv_16_sp"); f->stack = 1; SREG(f, ESP, 16); SREG(f, EAX, 16); OUT(f, ESP); OUT(f, EAX);
}
#endif

/* =============================================================== */
int main(int argc, char **argv) {
  if (argc < 3) { fprintf(stderr, "usage: %s outdir cpu-description\n", argv[0]); return 2; }
  const char *outdir = argv[1], *cpu = argv[2];
#ifdef __x86_64__
  const char *oracle = "host-x86_64";
#else
  const char *oracle = "qemu-i386";
#endif
  void *low = mmap((void *)(uintptr_t)LOWBASE, LOWSIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  if (low != (void *)(uintptr_t)LOWBASE) { perror("mmap low"); return 1; }
  codepage = mmap(0, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (codepage == MAP_FAILED) { perror("mmap code"); return 1; }
  static char altstack[65536];
  stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0};
  sigaltstack(&ss, 0);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = onfault;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
  sigaction(SIGFPE, &sa, 0);
  sigaction(SIGSEGV, &sa, 0);
  sigaction(SIGBUS, &sa, 0);

  rs = SEED;
#ifdef __x86_64__
  def_alu(); def_unary(); def_shift(); def_shiftd(); def_muldiv(); def_bitops(); def_xchgcmp(); def_setcc(); def_movext(); def_string();
#else
  def_bcd(); def_stack(); def_legacy();
#endif
  /* name uniqueness */
  for (int i = 0; i < nforms; i++)
    for (int j = i + 1; j < nforms; j++)
      if (!strcmp(forms[i].name, forms[j].name)) { fprintf(stderr, "duplicate form name %s\n", forms[i].name); return 1; }

  const char *fams[32]; int nf = 0;
  for (int i = 0; i < nforms; i++) {
    int seen = 0;
    for (int j = 0; j < nf; j++) if (!strcmp(fams[j], forms[i].fam)) seen = 1;
    if (!seen) fams[nf++] = forms[i].fam;
  }
  static Row rows[4096];
  long total = 0;
  for (int fi = 0; fi < nf; fi++) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s.txt", outdir, fams[fi]);
    FILE *o = fopen(path, "w");
    if (!o) { perror(path); return 1; }
    fprintf(o, "# vmidbt golden conformance vectors: family %s\n", fams[fi]);
    fprintf(o, "# generated by spec-tests/generator/gen.c (seed %016llx); see spec-tests/VECTORS.md\n", (unsigned long long)SEED);
    fprintf(o, "# oracle %s\n@cpu %s\n", oracle, cpu);
    long fcount = 0;
    for (int i = 0; i < nforms; i++) {
      Form *f = &forms[i];
      if (strcmp(f->fam, fams[fi])) continue;
      if (getenv("GEN_ONLY") && strcmp(getenv("GEN_ONLY"), f->name)) continue;
      memset((void *)(uintptr_t)LOWBASE, 0, GUESTEND - LOWBASE);
      build_thunk(f);
      if (getenv("GEN_DUMP")) { for (uint8_t *q = codepage; q < cp; q++) fprintf(stderr, "%02x", *q); fprintf(stderr, "  %s\n", f->name); }
      rs = SEED ^ hashname(f->name);
      print_form_header(o, f, oracle);
      for (int n = 0; n < f->nrows; n++) {
        Row *r = &rows[n];
        gen_row(f, r, n);
        run_row(f, r);
        if (f->post) f->post(f, r);
        print_row(o, f, r);
      }
      fcount += f->nrows;
    }
    fclose(o);
    fprintf(stderr, "%-10s %7ld vectors\n", fams[fi], fcount);
    total += fcount;
  }
  fprintf(stderr, "total %ld vectors, %d forms (%s)\n", total, nforms, oracle);
  return 0;
}
