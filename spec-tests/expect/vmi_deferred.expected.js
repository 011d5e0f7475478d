// vmi_deferred: 16 instructions, 1 blocks, 4554 bytes of source
// 1000 b8 03 00 00 00 mov eax, 0x3
// 1005 e8 f6 7a 0c 00 call 0xc8b00
// 100a b8 00 00 40 00 mov eax, 0x400000
// 100f e8 cc 76 0c 00 call 0xc86e0
// 1014 e8 07 77 0c 00 call 0xc8720
// 1019 31 c0 xor eax, eax
// 101b e8 e0 7a 0c 00 call 0xc8b00
// 1020 c3 ret
return function translated(cpu, pc) {
const R = cpu.regs;
const tlb = cpu.mmu.tlb;
const m32 = MEM.i32;
const ep = MEM.codeEpoch;
const lim = cpu.budget;
let r0 = R[0];
let r1 = R[1];
let r2 = R[2];
let r4 = R[4];
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
let vc58 = 0;
let vc60 = 0;
let vc61 = 0;
let t0, t1, t2, t3, t4, t5, t6, t7, t8, t9, t10, t11, t12, t13, t14, t15, t16, t17, t18, t19, t20, t21, t22, t23, t24, t25, t26, t27, t28, t29, t30, t31, t32, t33, t34, t35;
try {
run: for (; ; ) {
switch (pc) {
case 0:
{
if (ic + 16 > lim) {
xl = 1;
break run;
}
ic += 16;
r0 = 3;
ip = 1;
sp0 = r4;
t0 = r4 - 4 | 0;
t1 = tlb[t0 >>> 12];
if (t1 & 2 && !(t0 & 3)) {
m32[(t1 & -4096 | t0 & 4095) >>> 2] = 4106;
} else {
smc = h.wrf(cpu, 2, t0, 4, 4106, i0 + ic - (LEFT[ip] + 1)) !== ep;
}
r4 = t0;
if (!((tlb[200] & -4063) === 819201 || h.fetchesFrom(cpu, 822016, 819200))) {
ic -= 14;
cpu.exitSite = 0;
xe = 822016;
break run;
}
ip = 2;
sp0 = r4;
t2 = r0;
t3 = t2 & 7;
t4 = V.deferMode;
t5 = ~t3;
t6 = t4 & t5;
V.deferMode = t3 & 7;
t7 = t6 !== 0 ? 1 : 0;
if (t7) VX.flushDeferred(V, 3, 1);
r1 = -559087528;
r2 = -559087528;
r0 = -559087528;
vc61 += 1;
if (!((tlb[200] & -4063) === 819201 || h.fetchesFrom(cpu, 822019, 819200))) {
ic -= 13;
cpu.exitSite = 1;
xe = 822019;
break run;
}
ip = 3;
sp0 = r4;
t8 = tlb[r4 >>> 12];
t9 = t8 & 1 && !(r4 & 3) ? m32[(t8 & -4096 | r4 & 4095) >>> 2] : h.rdf(cpu, 2, r4, 4, i0 + ic - (LEFT[ip] + 1));
r4 = r4 + 4 | 0;
if (t9 !== 4106) {
ic -= 12;
cpu.exitSite = 2;
xe = t9;
break run;
}
if (!((tlb[1] & -4096) === 4096 && tlb[1] & 1 || h.fetchesFrom(cpu, 4096, 4096))) {
ic -= 12;
xl = 2;
break run;
}
if (smc) {
ic -= 12;
xl = 2;
break run;
}
r0 = 4194304;
ip = 5;
sp0 = r4;
t10 = r4 - 4 | 0;
t11 = tlb[t10 >>> 12];
if (t11 & 2 && !(t10 & 3)) {
m32[(t11 & -4096 | t10 & 4095) >>> 2] = 4116;
} else {
smc = h.wrf(cpu, 2, t10, 4, 4116, i0 + ic - (LEFT[ip] + 1)) !== ep;
}
r4 = t10;
if (!((tlb[200] & -4063) === 819201 || h.fetchesFrom(cpu, 820960, 819200))) {
ic -= 10;
cpu.exitSite = 3;
xe = 820960;
break run;
}
ip = 6;
sp0 = r4;
t12 = r0;
t13 = V.deferMode;
t14 = t13 & 1;
if (t14) {
VX.queueInvalidatePage(V, t12);
} else {
VX.invalidatePage(V, t12);
}
r1 = -559087561;
r2 = -559087561;
r0 = -559087561;
vc58 += 1;
if (!((tlb[200] & -4063) === 819201 || h.fetchesFrom(cpu, 820963, 819200))) {
ic -= 9;
cpu.exitSite = 4;
xe = 820963;
break run;
}
ip = 7;
sp0 = r4;
t15 = tlb[r4 >>> 12];
if (!(t15 & 1 && !(r4 & 3))) {
t16 = h.rdf(cpu, 2, r4, 4, i0 + ic - (LEFT[ip] + 1));
if (t16 !== 4116) {
ic -= 8;
cpu.exitSite = 5;
xe = t16;
break run;
}
}
r4 = r4 + 4 | 0;
if (!((tlb[1] & -4096) === 4096 && tlb[1] & 1 || h.fetchesFrom(cpu, 4096, 4096))) {
ic -= 8;
xl = 3;
break run;
}
if (smc) {
ic -= 8;
xl = 3;
break run;
}
ip = 8;
sp0 = r4;
t17 = r4 - 4 | 0;
t18 = tlb[t17 >>> 12];
if (t18 & 2 && !(t17 & 3)) {
m32[(t18 & -4096 | t17 & 4095) >>> 2] = 4121;
} else {
smc = h.wrf(cpu, 2, t17, 4, 4121, i0 + ic - (LEFT[ip] + 1)) !== ep;
}
r4 = t17;
if (!((tlb[200] & -4063) === 819201 || h.fetchesFrom(cpu, 821024, 819200))) {
ic -= 7;
cpu.exitSite = 6;
xe = 821024;
break run;
}
ip = 9;
sp0 = r4;
VX.flushDeferred(V, 3, 2);
r1 = -559087559;
r2 = -559087559;
r0 = -559087559;
vc60 += 1;
if (!((tlb[200] & -4063) === 819201 || h.fetchesFrom(cpu, 821027, 819200))) {
ic -= 6;
cpu.exitSite = 7;
xe = 821027;
break run;
}
ip = 10;
sp0 = r4;
t19 = tlb[r4 >>> 12];
t20 = t19 & 1 && !(r4 & 3) ? m32[(t19 & -4096 | r4 & 4095) >>> 2] : h.rdf(cpu, 2, r4, 4, i0 + ic - (LEFT[ip] + 1));
r4 = r4 + 4 | 0;
if (t20 !== 4121) {
ic -= 5;
cpu.exitSite = 8;
xe = t20;
break run;
}
if (!((tlb[1] & -4096) === 4096 && tlb[1] & 1 || h.fetchesFrom(cpu, 4096, 4096))) {
ic -= 5;
xl = 4;
break run;
}
if (smc) {
ic -= 5;
xl = 4;
break run;
}
t21 = r0;
t22 = r0;
t23 = t21 ^ t22;
r0 = t23;
lop = 18;
lres = t23;
la = t21;
lb = 0;
lz = 2261;
ip = 12;
sp0 = r4;
t24 = r4 - 4 | 0;
t25 = tlb[t24 >>> 12];
if (t25 & 2 && !(t24 & 3)) {
m32[(t25 & -4096 | t24 & 4095) >>> 2] = 4128;
} else {
smc = h.wrf(cpu, 2, t24, 4, 4128, i0 + ic - (LEFT[ip] + 1)) !== ep;
}
r4 = t24;
if (!((tlb[200] & -4063) === 819201 || h.fetchesFrom(cpu, 822016, 819200))) {
ic -= 3;
cpu.exitSite = 9;
xe = 822016;
break run;
}
ip = 13;
sp0 = r4;
t26 = r0;
t27 = t26 & 7;
t28 = V.deferMode;
t29 = ~t27;
t30 = t28 & t29;
V.deferMode = t27 & 7;
t31 = t30 !== 0 ? 1 : 0;
if (t31) VX.flushDeferred(V, 3, 1);
r1 = -559087528;
r2 = -559087528;
r0 = -559087528;
vc61 += 1;
if (!((tlb[200] & -4063) === 819201 || h.fetchesFrom(cpu, 822019, 819200))) {
ic -= 2;
cpu.exitSite = 10;
xe = 822019;
break run;
}
ip = 14;
sp0 = r4;
t32 = tlb[r4 >>> 12];
t33 = t32 & 1 && !(r4 & 3) ? m32[(t32 & -4096 | r4 & 4095) >>> 2] : h.rdf(cpu, 2, r4, 4, i0 + ic - (LEFT[ip] + 1));
r4 = r4 + 4 | 0;
if (t33 !== 4128) {
ic -= 1;
cpu.exitSite = 11;
xe = t33;
break run;
}
if (!((tlb[1] & -4096) === 4096 && tlb[1] & 1 || h.fetchesFrom(cpu, 4096, 4096))) {
ic -= 1;
xl = 5;
break run;
}
if (smc) {
ic -= 1;
xl = 5;
break run;
}
ip = 15;
sp0 = r4;
t34 = tlb[r4 >>> 12];
t35 = t34 & 1 && !(r4 & 3) ? m32[(t34 & -4096 | r4 & 4095) >>> 2] : h.rdf(cpu, 2, r4, 4, i0 + ic - 1);
r4 = r4 + 4 | 0;
xt = t35;
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
cpu.exitSite = 12;
xe = xt;
break run;
}
}
}
ip = -1;
} finally {
V.inlined[58] += vc58;
V.inlined[60] += vc60;
V.inlined[61] += vc61;
R[0] = r0;
R[1] = r1;
R[2] = r2;
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
