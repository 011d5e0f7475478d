// vmi_linux3: 20 instructions, 1 blocks, 4515 bytes of source
// 1000 b8 01 00 00 00 mov eax, 0x1
// 1005 e8 16 7a 0c 00 call 0xc8a20
// 100a b8 03 50 00 00 mov eax, 0x5003
// 100f ba 00 80 00 00 mov edx, 0x8000
// 1014 b9 01 00 00 00 mov ecx, 0x1
// 1019 e8 a2 75 0c 00 call 0xc85c0
// 101e b8 10 00 00 00 mov eax, 0x10
// 1023 ba 00 70 00 00 mov edx, 0x7000
// 1028 e8 93 72 0c 00 call 0xc82c0
// 102d 31 c0 xor eax, eax
// 102f e8 ec 79 0c 00 call 0xc8a20
// 1034 c3 ret
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
let vc15 = 0;
let vc41 = 0;
let vc61 = 0;
let t0, t1, t2, t3, t4, t5, t6, t7, t8, t9, t10, t11, t12, t13, t14, t15, t16, t17, t18, t19, t20, t21, t22, t23, t24, t25, t26, t27, t28, t29, t30, t31, t32, t33, t34, t35, t36, t37, t38, t39, t40, t41, t42, t43;
try {
run: for (; ; ) {
switch (pc) {
case 0:
{
if (ic + 20 > lim) {
xl = 1;
break run;
}
ic += 20;
r0 = 1;
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
if (!((tlb[200] & -4063) === 819201 || h.fetchesFrom(cpu, 821792, 819200))) {
ic -= 18;
cpu.exitSite = 0;
xe = 821792;
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
r1 = -559087543;
r2 = -559087543;
r0 = -559087543;
vc61 += 1;
if (!((tlb[200] & -4063) === 819201 || h.fetchesFrom(cpu, 821795, 819200))) {
ic -= 17;
cpu.exitSite = 1;
xe = 821795;
break run;
}
ip = 3;
sp0 = r4;
t8 = tlb[r4 >>> 12];
t9 = t8 & 1 && !(r4 & 3) ? m32[(t8 & -4096 | r4 & 4095) >>> 2] : h.rdf(cpu, 2, r4, 4, i0 + ic - (LEFT[ip] + 1));
r4 = r4 + 4 | 0;
if (t9 !== 4106) {
ic -= 16;
cpu.exitSite = 2;
xe = t9;
break run;
}
if (!((tlb[1] & -4096) === 4096 && tlb[1] & 1 || h.fetchesFrom(cpu, 4096, 4096))) {
ic -= 16;
xl = 2;
break run;
}
if (smc) {
ic -= 16;
xl = 2;
break run;
}
r0 = 20483;
r2 = 32768;
r1 = 1;
ip = 7;
sp0 = r4;
t10 = r4 - 4 | 0;
t11 = tlb[t10 >>> 12];
if (t11 & 2 && !(t10 & 3)) {
m32[(t11 & -4096 | t10 & 4095) >>> 2] = 4126;
} else {
smc = h.wrf(cpu, 2, t10, 4, 4126, i0 + ic - (LEFT[ip] + 1)) !== ep;
}
r4 = t10;
if (!((tlb[200] & -4063) === 819201 || h.fetchesFrom(cpu, 820672, 819200))) {
ic -= 12;
cpu.exitSite = 3;
xe = 820672;
break run;
}
ip = 8;
sp0 = r4;
t12 = r0;
t13 = r2;
t14 = r1;
t15 = tlb[t13 >>> 12];
t16 = t15 & 1 ? t15 & -4096 | t13 & 4095 : VX.walk(V, t13);
t17 = V.pageTables[t16 >>> 12];
t18 = t17 === 0 ? 1 : 0;
if (t18) VX.countUnregisteredPxeWrite(V);
if ((t16 & 3) === 0 && t16 >>> 0 < 1048576 && (MEM.pageKind[t16 >>> 12] & 255) === 0) {
m32[t16 >>> 2] = t12;
} else {
smc = h.wrPhys(cpu, t16, t12) !== ep;
}
r1 = -559087578;
r2 = -559087578;
r0 = -559087578;
vc41 += 1;
ip = 9;
sp0 = r4;
t19 = tlb[r4 >>> 12];
t20 = t19 & 1 && !(r4 & 3) ? m32[(t19 & -4096 | r4 & 4095) >>> 2] : h.rdf(cpu, 2, r4, 4, i0 + ic - (LEFT[ip] + 1));
r4 = r4 + 4 | 0;
if (t20 !== 4126) {
ic -= 10;
cpu.exitSite = 4;
xe = t20;
break run;
}
if (smc) {
ic -= 10;
xl = 3;
break run;
}
r0 = 16;
r2 = 28672;
ip = 12;
sp0 = r4;
t21 = r4 - 4 | 0;
t22 = tlb[t21 >>> 12];
if (t22 & 2 && !(t21 & 3)) {
m32[(t22 & -4096 | t21 & 4095) >>> 2] = 4141;
} else {
smc = h.wrf(cpu, 2, t21, 4, 4141, i0 + ic - (LEFT[ip] + 1)) !== ep;
}
r4 = t21;
if (!((tlb[200] & -4063) === 819201 || h.fetchesFrom(cpu, 819904, 819200))) {
ic -= 7;
cpu.exitSite = 5;
xe = 819904;
break run;
}
ip = 13;
sp0 = r4;
t23 = r0;
t24 = r2;
t25 = V.deferMode;
t26 = t25 & 2;
if (t26) {
VX.queueKernelStack(V, 0, t23, t24);
} else {
VX.setKernelStack(V, 0, t23, t24);
}
r1 = -559087602;
r2 = -559087602;
r0 = -559087602;
vc15 += 1;
ip = 14;
sp0 = r4;
t27 = tlb[r4 >>> 12];
t28 = t27 & 1 && !(r4 & 3) ? m32[(t27 & -4096 | r4 & 4095) >>> 2] : h.rdf(cpu, 2, r4, 4, i0 + ic - (LEFT[ip] + 1));
r4 = r4 + 4 | 0;
if (t28 !== 4141) {
ic -= 5;
cpu.exitSite = 6;
xe = t28;
break run;
}
if (smc) {
ic -= 5;
xl = 4;
break run;
}
t29 = r0;
t30 = r0;
t31 = t29 ^ t30;
r0 = t31;
lop = 18;
lres = t31;
la = t29;
lb = 0;
lz = 2261;
ip = 16;
sp0 = r4;
t32 = r4 - 4 | 0;
t33 = tlb[t32 >>> 12];
if (t33 & 2 && !(t32 & 3)) {
m32[(t33 & -4096 | t32 & 4095) >>> 2] = 4148;
} else {
smc = h.wrf(cpu, 2, t32, 4, 4148, i0 + ic - (LEFT[ip] + 1)) !== ep;
}
r4 = t32;
if (!((tlb[200] & -4063) === 819201 || h.fetchesFrom(cpu, 821792, 819200))) {
ic -= 3;
cpu.exitSite = 7;
xe = 821792;
break run;
}
ip = 17;
sp0 = r4;
t34 = r0;
t35 = t34 & 7;
t36 = V.deferMode;
t37 = ~t35;
t38 = t36 & t37;
V.deferMode = t35 & 7;
t39 = t38 !== 0 ? 1 : 0;
if (t39) VX.flushDeferred(V, 3, 1);
r1 = -559087543;
r2 = -559087543;
r0 = -559087543;
vc61 += 1;
if (!((tlb[200] & -4063) === 819201 || h.fetchesFrom(cpu, 821795, 819200))) {
ic -= 2;
cpu.exitSite = 8;
xe = 821795;
break run;
}
ip = 18;
sp0 = r4;
t40 = tlb[r4 >>> 12];
t41 = t40 & 1 && !(r4 & 3) ? m32[(t40 & -4096 | r4 & 4095) >>> 2] : h.rdf(cpu, 2, r4, 4, i0 + ic - (LEFT[ip] + 1));
r4 = r4 + 4 | 0;
if (t41 !== 4148) {
ic -= 1;
cpu.exitSite = 9;
xe = t41;
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
ip = 19;
sp0 = r4;
t42 = tlb[r4 >>> 12];
t43 = t42 & 1 && !(r4 & 3) ? m32[(t42 & -4096 | r4 & 4095) >>> 2] : h.rdf(cpu, 2, r4, 4, i0 + ic - 1);
r4 = r4 + 4 | 0;
xt = t43;
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
cpu.exitSite = 10;
xe = xt;
break run;
}
}
}
ip = -1;
} finally {
V.inlined[15] += vc15;
V.inlined[41] += vc41;
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
