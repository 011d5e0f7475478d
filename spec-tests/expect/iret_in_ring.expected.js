// iret_in_ring: 4 instructions, 1 blocks, 3155 bytes of source
// 1000 9c pushfd
// 1001 0e push cs
// 1002 68 08 10 00 00 push 0x1008
// 1007 cf iretd
// 1008 49 dec ecx
// 1009 75 f5 jne 0x1000
// 100b c3 ret
// discover: 1 blocks
// 1000: 4 instructions to 1007
return function translated(cpu, pc) {
const R = cpu.regs;
const tlb = cpu.mmu.tlb;
const m16 = MEM.u16;
const m32 = MEM.i32;
const ep = MEM.codeEpoch;
const lim = cpu.budget;
let r0 = R[0];
let r1 = R[1];
let r2 = R[2];
let r3 = R[3];
let r4 = R[4];
let r5 = R[5];
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
let smc = 0;
let xt = 0;
let hx = 0;
let t0, t1, t2, t3, t4, t5, t6, t7, t8, t9, t10, t11, t12, t13, t14, t15, t16, t17, t18, t19, t20, t21, t22, t23, t24, t25;
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
ip = 0;
sp0 = r4;
t0 = h.mat(fl, lz, lop, lres, la, lb) & -196609;
t1 = r4 - 4 | 0;
t2 = tlb[t1 >>> 12];
if (t2 & 2 && !(t1 & 3)) {
m32[(t2 & -4096 | t1 & 4095) >>> 2] = t0;
} else {
smc = h.wrf(cpu, 2, t1, 4, t0, i0 + ic - 4) !== ep;
}
r4 = t1;
if (smc) {
ic -= 3;
xl = 2;
break run;
}
ip = 1;
sp0 = r4;
t3 = cpu.segSel[1];
t4 = r4 - 4 | 0;
t5 = tlb[t4 >>> 12];
if (t5 & 2 && !(t4 & 3)) {
m32[(t5 & -4096 | t4 & 4095) >>> 2] = t3;
} else {
smc = h.wrf(cpu, 2, t4, 4, t3, i0 + ic - 3) !== ep;
}
r4 = t4;
if (smc) {
ic -= 2;
xl = 3;
break run;
}
ip = 2;
sp0 = r4;
t6 = r4 - 4 | 0;
t7 = tlb[t6 >>> 12];
if (t7 & 2 && !(t6 & 3)) {
m32[(t7 & -4096 | t6 & 4095) >>> 2] = 4104;
} else {
smc = h.wrf(cpu, 2, t6, 4, 4104, i0 + ic - 2) !== ep;
}
r4 = t6;
if (smc) {
ic -= 1;
xl = 4;
break run;
}
ip = 3;
sp0 = r4;
t8 = hp.iretFrameFirst(cpu);
if (t8) {
t9 = r4;
t10 = tlb[t9 >>> 12];
t11 = t10 & 1 && !(t9 & 3) ? m32[(t10 & -4096 | t9 & 4095) >>> 2] : h.rdf(cpu, 2, t9, 4, i0 + ic - 1);
t12 = t9 + 4 | 0;
t13 = tlb[t12 >>> 12];
t14 = t13 & 1 && !(t12 & 1) ? m16[(t13 & -4096 | t12 & 4095) >>> 1] : h.rdf(cpu, 2, t12, 2, i0 + ic - 1);
t15 = t9 + 8 | 0;
t16 = tlb[t15 >>> 12];
t17 = t16 & 1 && !(t15 & 3) ? m32[(t16 & -4096 | t15 & 4095) >>> 2] : h.rdf(cpu, 2, t15, 4, i0 + ic - 1);
t18 = fl & 1602048;
t19 = hp.iretInRing(cpu, t11, t14, t17, t18);
if (t19) {
t20 = t9 + 12 | 0;
r4 = t20;
lz = lz & -2444758;
fl = fl & -2444758 | t17 & 2444757;
t21 = t19 & 2;
if (t21) {
lz = lz & -513;
fl = fl & -513 | t17 & 512;
}
xt = t11;
pc = -1;
continue run;
} else {
t22 = h.modeStamp(cpu);
ip = 3;
sp0 = r4;
R[0] = r0;
R[1] = r1;
R[2] = r2;
R[3] = r3;
R[4] = r4;
R[5] = r5;
R[6] = r6;
R[7] = r7;
cpu.eflags = fl;
cpu.lazy = lz;
cpu.lop = lop;
cpu.lres = lres;
cpu.la = la;
cpu.lb = lb;
cpu.instructions = i0 + ic - 1;
hx = 1;
cpu.eip = 4104;
h.long(cpu, INS[3]);
hx = 0;
r0 = R[0];
r1 = R[1];
r2 = R[2];
r3 = R[3];
r4 = R[4];
r5 = R[5];
r6 = R[6];
r7 = R[7];
fl = cpu.eflags;
lz = cpu.lazy;
lop = cpu.lop;
lres = cpu.lres;
la = cpu.la;
lb = cpu.lb;
if (MEM.codeEpoch === ep && h.goesOnAfterTransfer(cpu, t22)) {
t23 = cpu.eip | 0;
xt = t23;
pc = -1;
continue run;
}
cpu.exitSite = 0;
xe = cpu.eip;
break run;
}
} else {
t24 = h.modeStamp(cpu);
ip = 3;
sp0 = r4;
R[0] = r0;
R[1] = r1;
R[2] = r2;
R[3] = r3;
R[4] = r4;
R[5] = r5;
R[6] = r6;
R[7] = r7;
cpu.eflags = fl;
cpu.lazy = lz;
cpu.lop = lop;
cpu.lres = lres;
cpu.la = la;
cpu.lb = lb;
cpu.instructions = i0 + ic - 1;
hx = 1;
cpu.eip = 4104;
h.long(cpu, INS[3]);
hx = 0;
r0 = R[0];
r1 = R[1];
r2 = R[2];
r3 = R[3];
r4 = R[4];
r5 = R[5];
r6 = R[6];
r7 = R[7];
fl = cpu.eflags;
lz = cpu.lazy;
lop = cpu.lop;
lres = cpu.lres;
la = cpu.la;
lb = cpu.lb;
if (MEM.codeEpoch === ep && h.goesOnAfterTransfer(cpu, t24)) {
t25 = cpu.eip | 0;
xt = t25;
pc = -1;
continue run;
}
cpu.exitSite = 1;
xe = cpu.eip;
break run;
}
}
case -1:
{
switch (xt) {
case 4096:
pc = 0;
continue run;
}
cpu.exitSite = 2;
xe = xt;
break run;
}
}
}
ip = -1;
} finally {
if (!hx) {
R[0] = r0;
R[1] = r1;
R[2] = r2;
R[3] = r3;
R[4] = r4;
R[5] = r5;
R[6] = r6;
R[7] = r7;
cpu.eflags = fl;
cpu.lazy = lz;
cpu.lop = lop;
cpu.lres = lres;
cpu.la = la;
cpu.lb = lb;
}
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
