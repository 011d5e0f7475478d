// vmi_control_registers: 27 instructions, 1 blocks, 5343 bytes of source
// 1000 e8 fb 72 0c 00 call 0xc8300
// 1005 e8 16 73 0c 00 call 0xc8320
// 100a 89 c3 mov ebx, eax
// 100c e8 2f 73 0c 00 call 0xc8340
// 1011 e8 4a 73 0c 00 call 0xc8360
// 1016 89 d8 mov eax, ebx
// 1018 e8 83 72 0c 00 call 0xc82a0
// 101d b8 00 90 00 00 mov eax, 0x9000
// 1022 e8 99 72 0c 00 call 0xc82c0
// 1027 b8 00 02 00 00 mov eax, 0x200
// 102c ba 00 70 00 00 mov edx, 0x7000
// 1031 e8 2a 72 0c 00 call 0xc8260
// 1036 c3 ret
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
const i0 = cpu.instructions;
let ic = 0;
let ip = 0;
let sp0 = r4;
let xe = 0;
let xl = 0;
let smc = 0;
let xt = 0;
let vc15 = 0;
let vc17 = 0;
let vc18 = 0;
let vc20 = 0;
let vc21 = 0;
let vc22 = 0;
let vc23 = 0;
let t0, t1, t2, t3, t4, t5, t6, t7, t8, t9, t10, t11, t12, t13, t14, t15, t16, t17, t18, t19, t20, t21, t22, t23, t24, t25, t26, t27, t28, t29, t30, t31, t32, t33, t34, t35, t36, t37, t38, t39, t40, t41, t42, t43;
try {
run: for (; ; ) {
switch (pc) {
case 0:
{
if (ic + 27 > lim) {
xl = 1;
break run;
}
ic += 27;
ip = 0;
sp0 = r4;
t0 = r4 - 4 | 0;
t1 = tlb[t0 >>> 12];
if (t1 & 2 && !(t0 & 3)) {
m32[(t1 & -4096 | t0 & 4095) >>> 2] = 4101;
} else {
smc = h.wrf(cpu, 2, t0, 4, 4101, i0 + ic - (LEFT[ip] + 1)) !== ep;
}
r4 = t0;
if (!((tlb[200] & -4063) === 819201 || h.fetchesFrom(cpu, 819968, 819200))) {
ic -= 26;
cpu.exitSite = 0;
xe = 819968;
break run;
}
ip = 1;
sp0 = r4;
t2 = cpu.cr0;
r1 = -559087592;
r2 = -559087592;
r0 = t2;
vc20 += 1;
ip = 2;
sp0 = r4;
t3 = tlb[r4 >>> 12];
if (!(t3 & 1 && !(r4 & 3))) {
t4 = h.rdf(cpu, 2, r4, 4, i0 + ic - (LEFT[ip] + 1));
if (t4 !== 4101) {
ic -= 24;
cpu.exitSite = 1;
xe = t4;
break run;
}
}
r4 = r4 + 4 | 0;
if (smc) {
ic -= 24;
xl = 2;
break run;
}
ip = 3;
sp0 = r4;
t5 = r4 - 4 | 0;
t6 = tlb[t5 >>> 12];
if (t6 & 2 && !(t5 & 3)) {
m32[(t6 & -4096 | t5 & 4095) >>> 2] = 4106;
} else {
smc = h.wrf(cpu, 2, t5, 4, 4106, i0 + ic - (LEFT[ip] + 1)) !== ep;
}
r4 = t5;
if (!((tlb[200] & -4063) === 819201 || h.fetchesFrom(cpu, 820000, 819200))) {
ic -= 23;
cpu.exitSite = 2;
xe = 820000;
break run;
}
ip = 4;
sp0 = r4;
t7 = cpu.cr2;
r1 = -559087591;
r2 = -559087591;
r0 = t7;
vc21 += 1;
ip = 5;
sp0 = r4;
t8 = tlb[r4 >>> 12];
if (!(t8 & 1 && !(r4 & 3))) {
t9 = h.rdf(cpu, 2, r4, 4, i0 + ic - (LEFT[ip] + 1));
if (t9 !== 4106) {
ic -= 21;
cpu.exitSite = 3;
xe = t9;
break run;
}
}
r4 = r4 + 4 | 0;
if (smc) {
ic -= 21;
xl = 3;
break run;
}
t10 = r0;
r3 = t10;
ip = 7;
sp0 = r4;
t11 = r4 - 4 | 0;
t12 = tlb[t11 >>> 12];
if (t12 & 2 && !(t11 & 3)) {
m32[(t12 & -4096 | t11 & 4095) >>> 2] = 4113;
} else {
smc = h.wrf(cpu, 2, t11, 4, 4113, i0 + ic - (LEFT[ip] + 1)) !== ep;
}
r4 = t11;
if (!((tlb[200] & -4063) === 819201 || h.fetchesFrom(cpu, 820032, 819200))) {
ic -= 19;
cpu.exitSite = 4;
xe = 820032;
break run;
}
ip = 8;
sp0 = r4;
t13 = cpu.cr3;
r1 = -559087590;
r2 = -559087590;
r0 = t13;
vc22 += 1;
ip = 9;
sp0 = r4;
t14 = tlb[r4 >>> 12];
if (!(t14 & 1 && !(r4 & 3))) {
t15 = h.rdf(cpu, 2, r4, 4, i0 + ic - (LEFT[ip] + 1));
if (t15 !== 4113) {
ic -= 17;
cpu.exitSite = 5;
xe = t15;
break run;
}
}
r4 = r4 + 4 | 0;
if (smc) {
ic -= 17;
xl = 4;
break run;
}
ip = 10;
sp0 = r4;
t16 = r4 - 4 | 0;
t17 = tlb[t16 >>> 12];
if (t17 & 2 && !(t16 & 3)) {
m32[(t17 & -4096 | t16 & 4095) >>> 2] = 4118;
} else {
smc = h.wrf(cpu, 2, t16, 4, 4118, i0 + ic - (LEFT[ip] + 1)) !== ep;
}
r4 = t16;
if (!((tlb[200] & -4063) === 819201 || h.fetchesFrom(cpu, 820064, 819200))) {
ic -= 16;
cpu.exitSite = 6;
xe = 820064;
break run;
}
ip = 11;
sp0 = r4;
t18 = cpu.cr4;
r1 = -559087589;
r2 = -559087589;
r0 = t18;
vc23 += 1;
ip = 12;
sp0 = r4;
t19 = tlb[r4 >>> 12];
if (!(t19 & 1 && !(r4 & 3))) {
t20 = h.rdf(cpu, 2, r4, 4, i0 + ic - (LEFT[ip] + 1));
if (t20 !== 4118) {
ic -= 14;
cpu.exitSite = 7;
xe = t20;
break run;
}
}
r4 = r4 + 4 | 0;
if (smc) {
ic -= 14;
xl = 5;
break run;
}
t21 = r3;
r0 = t21;
ip = 14;
sp0 = r4;
t22 = r4 - 4 | 0;
t23 = tlb[t22 >>> 12];
if (t23 & 2 && !(t22 & 3)) {
m32[(t23 & -4096 | t22 & 4095) >>> 2] = 4125;
} else {
smc = h.wrf(cpu, 2, t22, 4, 4125, i0 + ic - (LEFT[ip] + 1)) !== ep;
}
r4 = t22;
if (!((tlb[200] & -4063) === 819201 || h.fetchesFrom(cpu, 819872, 819200))) {
ic -= 12;
cpu.exitSite = 8;
xe = 819872;
break run;
}
ip = 15;
sp0 = r4;
t24 = r0;
cpu.cr2 = t24;
r1 = -559087595;
r2 = -559087595;
r0 = -559087595;
vc17 += 1;
ip = 16;
sp0 = r4;
t25 = tlb[r4 >>> 12];
if (!(t25 & 1 && !(r4 & 3))) {
t26 = h.rdf(cpu, 2, r4, 4, i0 + ic - (LEFT[ip] + 1));
if (t26 !== 4125) {
ic -= 10;
cpu.exitSite = 9;
xe = t26;
break run;
}
}
r4 = r4 + 4 | 0;
if (smc) {
ic -= 10;
xl = 6;
break run;
}
r0 = 36864;
ip = 18;
sp0 = r4;
t27 = r4 - 4 | 0;
t28 = tlb[t27 >>> 12];
if (t28 & 2 && !(t27 & 3)) {
m32[(t28 & -4096 | t27 & 4095) >>> 2] = 4135;
} else {
smc = h.wrf(cpu, 2, t27, 4, 4135, i0 + ic - (LEFT[ip] + 1)) !== ep;
}
r4 = t27;
if (!((tlb[200] & -4063) === 819201 || h.fetchesFrom(cpu, 819904, 819200))) {
ic -= 8;
cpu.exitSite = 10;
xe = 819904;
break run;
}
ip = 19;
sp0 = r4;
t29 = r0;
t30 = V.deferMode;
t31 = t30 & 2;
if (t31) {
VX.queueCr3(V, t29);
} else {
VX.writeCr3(V, t29);
}
r1 = -559087594;
r2 = -559087594;
r0 = -559087594;
vc18 += 1;
if (!((tlb[200] & -4063) === 819201 || h.fetchesFrom(cpu, 819907, 819200))) {
ic -= 7;
cpu.exitSite = 11;
xe = 819907;
break run;
}
ip = 20;
sp0 = r4;
t32 = tlb[r4 >>> 12];
if (!(t32 & 1 && !(r4 & 3))) {
t33 = h.rdf(cpu, 2, r4, 4, i0 + ic - (LEFT[ip] + 1));
if (t33 !== 4135) {
ic -= 6;
cpu.exitSite = 12;
xe = t33;
break run;
}
}
r4 = r4 + 4 | 0;
if (!((tlb[1] & -4096) === 4096 && tlb[1] & 1 || h.fetchesFrom(cpu, 4096, 4096))) {
ic -= 6;
xl = 7;
break run;
}
if (smc) {
ic -= 6;
xl = 7;
break run;
}
r0 = 512;
r2 = 28672;
ip = 23;
sp0 = r4;
t34 = r4 - 4 | 0;
t35 = tlb[t34 >>> 12];
if (t35 & 2 && !(t34 & 3)) {
m32[(t35 & -4096 | t34 & 4095) >>> 2] = 4150;
} else {
smc = h.wrf(cpu, 2, t34, 4, 4150, i0 + ic - (LEFT[ip] + 1)) !== ep;
}
r4 = t34;
if (!((tlb[200] & -4063) === 819201 || h.fetchesFrom(cpu, 819808, 819200))) {
ic -= 3;
cpu.exitSite = 13;
xe = 819808;
break run;
}
ip = 24;
sp0 = r4;
t36 = r0;
t37 = r2;
t38 = V.deferMode;
t39 = t38 & 2;
if (t39) {
VX.queueKernelStack(V, t36, 0, t37);
} else {
VX.setKernelStack(V, t36, 0, t37);
}
r1 = -559087597;
r2 = -559087597;
r0 = -559087597;
vc15 += 1;
ip = 25;
sp0 = r4;
t40 = tlb[r4 >>> 12];
t41 = t40 & 1 && !(r4 & 3) ? m32[(t40 & -4096 | r4 & 4095) >>> 2] : h.rdf(cpu, 2, r4, 4, i0 + ic - (LEFT[ip] + 1));
r4 = r4 + 4 | 0;
if (t41 !== 4150) {
ic -= 1;
cpu.exitSite = 14;
xe = t41;
break run;
}
if (smc) {
ic -= 1;
xl = 8;
break run;
}
ip = 26;
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
cpu.exitSite = 15;
xe = xt;
break run;
}
}
}
ip = -1;
} finally {
V.inlined[15] += vc15;
V.inlined[17] += vc17;
V.inlined[18] += vc18;
V.inlined[20] += vc20;
V.inlined[21] += vc21;
V.inlined[22] += vc22;
V.inlined[23] += vc23;
R[0] = r0;
R[1] = r1;
R[2] = r2;
R[3] = r3;
R[4] = r4;
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
