// vmi_apic_clock: 17 instructions, 1 blocks, 3685 bytes of source
// 1000 b8 20 00 e0 fe mov eax, 0xfee00020
// 1005 e8 96 79 0c 00 call 0xc89a0
// 100a b8 b0 00 e0 fe mov eax, 0xfee000b0
// 100f 31 d2 xor edx, edx
// 1011 e8 6a 79 0c 00 call 0xc8980
// 1016 31 c0 xor eax, eax
// 1018 e8 e3 79 0c 00 call 0xc8a00
// 101d e8 9e 79 0c 00 call 0xc89c0
// 1022 c3 ret
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
let vc77 = 0;
let vc78 = 0;
let vc79 = 0;
let vc81 = 0;
let t0, t1, t2, t3, t4, t5, t6, t7, t8, t9, t10, t11, t12, t13, t14, t15, t16, t17, t18, t19, t20, t21, t22, t23, t24, t25, t26, t27, t28, t29, t30, t31;
try {
run: for (; ; ) {
switch (pc) {
case 0:
{
if (ic + 17 > lim) {
xl = 1;
break run;
}
ic += 17;
r0 = -18874336;
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
if (!((tlb[200] & -4063) === 819201 || h.fetchesFrom(cpu, 821664, 819200))) {
ic -= 15;
cpu.exitSite = 0;
xe = 821664;
break run;
}
ip = 2;
sp0 = r4;
t2 = r0;
cpu.instructions = i0 + ic - 15;
t3 = VX.apicRead(V, t2);
r1 = -559087539;
r2 = -559087539;
r0 = t3;
vc78 += 1;
ip = 3;
sp0 = r4;
t4 = tlb[r4 >>> 12];
if (!(t4 & 1 && !(r4 & 3))) {
t5 = h.rdf(cpu, 2, r4, 4, i0 + ic - (LEFT[ip] + 1));
if (t5 !== 4106) {
ic -= 13;
cpu.exitSite = 1;
xe = t5;
break run;
}
}
r4 = r4 + 4 | 0;
if (smc) {
ic -= 13;
xl = 2;
break run;
}
r0 = -18874192;
t6 = r2;
t7 = r2;
t8 = t6 ^ t7;
r2 = t8;
lop = 18;
lres = t8;
la = t6;
lb = 0;
lz = 2261;
ip = 6;
sp0 = r4;
t9 = r4 - 4 | 0;
t10 = tlb[t9 >>> 12];
if (t10 & 2 && !(t9 & 3)) {
m32[(t10 & -4096 | t9 & 4095) >>> 2] = 4118;
} else {
smc = h.wrf(cpu, 2, t9, 4, 4118, i0 + ic - (LEFT[ip] + 1)) !== ep;
}
r4 = t9;
if (!((tlb[200] & -4063) === 819201 || h.fetchesFrom(cpu, 821632, 819200))) {
ic -= 10;
cpu.exitSite = 2;
xe = 821632;
break run;
}
ip = 7;
sp0 = r4;
t11 = r0;
t12 = r2;
cpu.instructions = i0 + ic - 10;
VX.apicWrite(V, t11, t12);
t13 = MEM.codeEpoch !== ep;
r1 = -559087540;
r2 = -559087540;
r0 = -559087540;
vc77 += 1;
if (MEM.codeEpoch !== ep && h.vmiLeave(V)) {
ic -= 9;
cpu.exitSite = 3;
xe = 821635;
break run;
}
ip = 8;
sp0 = r4;
t14 = tlb[r4 >>> 12];
if (!(t14 & 1 && !(r4 & 3))) {
t15 = h.rdf(cpu, 2, r4, 4, i0 + ic - (LEFT[ip] + 1));
if (t15 !== 4118) {
ic -= 8;
cpu.exitSite = 4;
xe = t15;
break run;
}
}
r4 = r4 + 4 | 0;
if (smc) {
ic -= 8;
xl = 3;
break run;
}
t16 = r0;
t17 = r0;
t18 = t16 ^ t17;
r0 = t18;
lop = 18;
lres = t18;
la = t16;
lb = 0;
lz = 2261;
ip = 10;
sp0 = r4;
t19 = r4 - 4 | 0;
t20 = tlb[t19 >>> 12];
if (t20 & 2 && !(t19 & 3)) {
m32[(t20 & -4096 | t19 & 4095) >>> 2] = 4125;
} else {
smc = h.wrf(cpu, 2, t19, 4, 4125, i0 + ic - (LEFT[ip] + 1)) !== ep;
}
r4 = t19;
if (!((tlb[200] & -4063) === 819201 || h.fetchesFrom(cpu, 821760, 819200))) {
ic -= 6;
cpu.exitSite = 5;
xe = 821760;
break run;
}
ip = 11;
sp0 = r4;
t21 = r0;
cpu.instructions = i0 + ic - 6;
t22 = VX.cycleCounter(V, t21);
t23 = V.high;
r1 = -559087536;
r0 = t22;
r2 = t23;
vc81 += 1;
ip = 12;
sp0 = r4;
t24 = tlb[r4 >>> 12];
if (!(t24 & 1 && !(r4 & 3))) {
t25 = h.rdf(cpu, 2, r4, 4, i0 + ic - (LEFT[ip] + 1));
if (t25 !== 4125) {
ic -= 4;
cpu.exitSite = 6;
xe = t25;
break run;
}
}
r4 = r4 + 4 | 0;
if (smc) {
ic -= 4;
xl = 4;
break run;
}
ip = 13;
sp0 = r4;
t26 = r4 - 4 | 0;
t27 = tlb[t26 >>> 12];
if (t27 & 2 && !(t26 & 3)) {
m32[(t27 & -4096 | t26 & 4095) >>> 2] = 4130;
} else {
smc = h.wrf(cpu, 2, t26, 4, 4130, i0 + ic - (LEFT[ip] + 1)) !== ep;
}
r4 = t26;
if (!((tlb[200] & -4063) === 819201 || h.fetchesFrom(cpu, 821696, 819200))) {
ic -= 3;
cpu.exitSite = 7;
xe = 821696;
break run;
}
ip = 14;
sp0 = r4;
r1 = -559087538;
r2 = -559087538;
r0 = -559087538;
vc79 += 1;
ip = 15;
sp0 = r4;
t28 = tlb[r4 >>> 12];
if (!(t28 & 1 && !(r4 & 3))) {
t29 = h.rdf(cpu, 2, r4, 4, i0 + ic - (LEFT[ip] + 1));
if (t29 !== 4130) {
ic -= 1;
cpu.exitSite = 8;
xe = t29;
break run;
}
}
r4 = r4 + 4 | 0;
if (smc) {
ic -= 1;
xl = 5;
break run;
}
ip = 16;
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
cpu.exitSite = 9;
xe = xt;
break run;
}
}
}
ip = -1;
} finally {
V.inlined[77] += vc77;
V.inlined[78] += vc78;
V.inlined[79] += vc79;
V.inlined[81] += vc81;
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
