// irq_save_atomic64: 8 instructions, 1 blocks, 2358 bytes of source
// 1000 01 c8 add eax, ecx
// 1002 9c pushfd
// 1003 5a pop edx
// 1004 fa cli
// 1005 89 c3 mov ebx, eax
// 1007 89 d1 mov ecx, edx
// 1009 f0 0f c7 0e lock cmpxchg8b qword ptr [esi]
// 100d c3 ret
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
let smc = 0;
let xt = 0;
let t0, t1, t2, t3, t4, t5, t6, t7, t8, t9, t10, t11, t12, t13, t14, t15, t16, t17, t18, t19, t20, t21, t22, t23, t24, t25, t26, t27, t28, t29, t30, t31;
try {
run: for (; ; ) {
switch (pc) {
case 0:
{
if (ic + 8 > lim) {
xl = 1;
break run;
}
ic += 8;
t0 = r0;
t1 = r1;
t2 = t0 + t1 | 0;
r0 = t2;
lop = 2;
lres = t2;
la = t0;
lb = t1;
lz = 2261;
ip = 1;
sp0 = r4;
t3 = h.mat(fl, lz, lop, lres, la, lb) & -196609;
t4 = r4 - 4 | 0;
t5 = tlb[t4 >>> 12];
if (t5 & 2 && !(t4 & 3)) {
m32[(t5 & -4096 | t4 & 4095) >>> 2] = t3;
} else {
smc = h.wrf(cpu, 2, t4, 4, t3, i0 + ic - 7) !== ep;
}
r4 = t4;
if (smc) {
ic -= 6;
xl = 2;
break run;
}
ip = 2;
sp0 = r4;
t6 = tlb[r4 >>> 12];
t7 = t6 & 1 && !(r4 & 3) ? m32[(t6 & -4096 | r4 & 4095) >>> 2] : h.rdf(cpu, 2, r4, 4, i0 + ic - 6);
r4 = r4 + 4 | 0;
r2 = t7;
ip = 3;
t8 = fl & 12288;
t9 = hp.interruptFlagDenied(cpu, t8);
if (t9) throw new h.Fault(13, 0);
fl = fl & -513 | 0 << 9;
t10 = r0;
r3 = t10;
t11 = r2;
r1 = t11;
ip = 6;
t12 = r6 | 0;
t13 = t12 + 4 | 0;
t14 = tlb[t12 >>> 12];
t15 = t14 & 1 && !(t12 & 3) ? m32[(t14 & -4096 | t12 & 4095) >>> 2] : h.rdf(cpu, 3, t12, 4, i0 + ic - 2);
t16 = tlb[t13 >>> 12];
t17 = t16 & 1 && !(t13 & 3) ? m32[(t16 & -4096 | t13 & 4095) >>> 2] : h.rdf(cpu, 3, t13, 4, i0 + ic - 2);
t18 = tlb[t13 >>> 12];
if (t18 & 2 && !(t13 & 3)) {
m32[(t18 & -4096 | t13 & 4095) >>> 2] = t17;
} else {
smc = h.wrf(cpu, 3, t13, 4, t17, i0 + ic - 2) !== ep;
}
t19 = r0;
t20 = t15 === t19 ? 1 : 0;
t21 = r2;
t22 = t17 === t21 ? 1 : 0;
t23 = t20 & t22;
t24 = r3;
t25 = t23 ? t24 : t15;
t26 = tlb[t12 >>> 12];
if (t26 & 2 && !(t12 & 3)) {
m32[(t26 & -4096 | t12 & 4095) >>> 2] = t25;
} else {
smc = h.wrf(cpu, 3, t12, 4, t25, i0 + ic - 2) !== ep;
}
t27 = r1;
t28 = t23 ? t27 : t17;
t29 = tlb[t13 >>> 12];
if (t29 & 2 && !(t13 & 3)) {
m32[(t29 & -4096 | t13 & 4095) >>> 2] = t28;
} else {
smc = h.wrf(cpu, 3, t13, 4, t28, i0 + ic - 2) !== ep;
}
r0 = t15;
r2 = t17;
lz = lz & -65;
fl = fl & -65 | t23 << 6;
if (smc) {
ic -= 1;
xl = 3;
break run;
}
ip = 7;
sp0 = r4;
t30 = tlb[r4 >>> 12];
t31 = t30 & 1 && !(r4 & 3) ? m32[(t30 & -4096 | r4 & 4095) >>> 2] : h.rdf(cpu, 2, r4, 4, i0 + ic - 1);
r4 = r4 + 4 | 0;
xt = t31;
pc = -1;
continue run;
}
case -1:
{
switch (xt) {
case 4096:
pc = 0;
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
R[1] = r1;
R[2] = r2;
R[3] = r3;
R[4] = r4;
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
