// sbb_jcc_64bit: 9 instructions, 3 blocks, 1715 bytes of source
// 1000 39 c8 cmp eax, ecx
// 1002 89 d6 mov esi, edx
// 1004 19 de sbb esi, ebx
// 1006 72 06 jb 0x100e
// 1008 bf 01 00 00 00 mov edi, 0x1
// 100d c3 ret
// 100e 11 f7 adc edi, esi
// 1010 0f 92 c0 setb al
// 1013 c3 ret
return function translated(cpu, pc) {
const R = cpu.regs;
const tlb = cpu.mmu.tlb;
const m32 = MEM.i32;
const ep = MEM.codeEpoch;
const lim = cpu.budget;
let r0 = R[0];
let r1 = R[1];
let r2 = R[2];
let r3 = R[3];
let r4 = R[4];
let r6 = R[6];
let r7 = R[7];
let fl = cpu.eflags;
let lz = cpu.lazy;
let lop = cpu.lop;
let lres = cpu.lres;
let la = cpu.la;
let lb = cpu.lb;
const i0 = cpu.instructions;
let ic = 0;
let ip = 0;
let sp0 = r4;
let xe = 0;
let xl = 0;
let xt = 0;
let t0, t1, t2, t3, t4, t5, t6, t7, t8, t9;
try {
run: for (; ; ) {
switch (pc) {
case 0:
{
if (ic + 4 > lim) {
xl = 1;
break run;
}
ic += 4;
t0 = r0;
t1 = r1;
t2 = t0 - t1 | 0;
lop = 10;
lres = t2;
la = t0;
lb = t1;
lz = 2261;
t3 = r2;
r6 = t3;
t4 = r6;
t5 = r3;
t6 = t0 >>> 0 < t1 >>> 0 ? 1 : 0;
t7 = t4 - t5 | 0;
t8 = t7 - t6 | 0;
t9 = t6 ? 14 : 10;
r6 = t8;
lop = t9;
lres = t8;
la = t4;
lb = t5;
lz = 2261;
if (t6 ? t4 >>> 0 <= t5 >>> 0 ? 1 : 0 : t4 >>> 0 < t5 >>> 0 ? 1 : 0) {
pc = 1;
continue run;
}
pc = 2;
continue run;
}
case 1:
{
if (ic + 3 > lim) {
xl = 2;
break run;
}
ic += 3;
t0 = r7;
t1 = r6;
t2 = h.flag(1, fl, lz, lop, lres, la, lb);
t3 = t0 + t1 | 0;
t4 = t3 + t2 | 0;
t5 = t2 ? 6 : 2;
r7 = t4;
lop = t5;
lres = t4;
la = t0;
lb = t1;
lz = 2261;
r0 = r0 & -256 | (t2 ? t4 >>> 0 <= t0 >>> 0 ? 1 : 0 : t4 >>> 0 < t0 >>> 0 ? 1 : 0) & 255;
ip = 6;
sp0 = r4;
t6 = tlb[r4 >>> 12];
t7 = t6 & 1 && !(r4 & 3) ? m32[(t6 & -4096 | r4 & 4095) >>> 2] : h.rdf(cpu, 2, r4, 4, i0 + ic - 1);
r4 = r4 + 4 | 0;
xt = t7;
pc = -1;
continue run;
}
case 2:
{
if (ic + 2 > lim) {
xl = 3;
break run;
}
ic += 2;
r7 = 1;
ip = 8;
sp0 = r4;
t0 = tlb[r4 >>> 12];
t1 = t0 & 1 && !(r4 & 3) ? m32[(t0 & -4096 | r4 & 4095) >>> 2] : h.rdf(cpu, 2, r4, 4, i0 + ic - 1);
r4 = r4 + 4 | 0;
xt = t1;
pc = -1;
continue run;
}
case -1:
{
switch (xt) {
case 4096:
pc = 0;
continue run;
case 4110:
pc = 1;
continue run;
case 4104:
pc = 2;
continue run;
}
cpu.exitSite = 0;
xe = xt;
break run;
}
}
}
ip = -1;
} finally {
R[0] = r0;
R[4] = r4;
R[6] = r6;
R[7] = r7;
cpu.eflags = fl;
cpu.lazy = lz;
cpu.lop = lop;
cpu.lres = lres;
cpu.la = la;
cpu.lb = lb;
if (ip < 0) {
const xk = XE[xl];
cpu.eip = xl ? xk : xe;
cpu.instructions = i0 + ic;
} else {
if (SPX[ip]) R[4] = sp0;
cpu.eip = EIPS[ip];
cpu.instructions = i0 + ic - LEFT[ip];
}
}
return L[xl];
};
