// vmi_page_tables: 34 instructions, 1 blocks, 7623 bytes of source
// 1000 b8 03 50 00 00 mov eax, 0x5003
// 1005 ba 00 80 00 00 mov edx, 0x8000
// 100a e8 91 75 0c 00 call 0xc85a0
// 100f b8 00 80 00 00 mov eax, 0x8000
// 1014 e8 a7 75 0c 00 call 0xc85c0
// 1019 b8 03 60 00 00 mov eax, 0x6003
// 101e ba 04 80 00 00 mov edx, 0x8004
// 1023 e8 b8 75 0c 00 call 0xc85e0
// 1028 b8 05 00 00 00 mov eax, 0x5
// 102d ba 08 80 00 00 mov edx, 0x8008
// 1032 e8 29 76 0c 00 call 0xc8660
// 1037 b8 03 70 00 00 mov eax, 0x7003
// 103c 31 d2 xor edx, edx
// 103e b9 10 80 00 00 mov ecx, 0x8010
// 1043 e8 b8 75 0c 00 call 0xc8600
// 1048 b8 00 00 40 00 mov eax, 0x400000
// 104d e8 8e 76 0c 00 call 0xc86e0
// 1052 b8 01 00 00 00 mov eax, 0x1
// 1057 e8 a4 76 0c 00 call 0xc8700
// 105c c3 ret
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
let vc41 = 0;
let vc42 = 0;
let vc43 = 0;
let vc44 = 0;
let vc47 = 0;
let vc58 = 0;
let vc59 = 0;
let t0, t1, t2, t3, t4, t5, t6, t7, t8, t9, t10, t11, t12, t13, t14, t15, t16, t17, t18, t19, t20, t21, t22, t23, t24, t25, t26, t27, t28, t29, t30, t31, t32, t33, t34, t35, t36, t37, t38, t39, t40, t41, t42, t43, t44, t45, t46, t47, t48, t49, t50, t51, t52, t53, t54, t55, t56, t57, t58, t59, t60, t61, t62, t63, t64, t65, t66, t67, t68, t69, t70, t71, t72, t73, t74, t75;
try {
run: for (; ; ) {
switch (pc) {
case 0:
{
if (ic + 34 > lim) {
xl = 1;
break run;
}
ic += 34;
r0 = 20483;
r2 = 32768;
ip = 2;
sp0 = r4;
t0 = r4 - 4 | 0;
t1 = tlb[t0 >>> 12];
if (t1 & 2 && !(t0 & 3)) {
m32[(t1 & -4096 | t0 & 4095) >>> 2] = 4111;
} else {
smc = h.wrf(cpu, 2, t0, 4, 4111, i0 + ic - (LEFT[ip] + 1)) !== ep;
}
r4 = t0;
if (!((tlb[200] & -4063) === 819201 || h.fetchesFrom(cpu, 820640, 819200))) {
ic -= 31;
cpu.exitSite = 0;
xe = 820640;
break run;
}
ip = 3;
sp0 = r4;
t2 = r0;
t3 = r2;
t4 = tlb[t3 >>> 12];
t5 = t4 & 1 ? t4 & -4096 | t3 & 4095 : VX.walk(V, t3);
t6 = V.pageTables[t5 >>> 12];
t7 = t6 === 0 ? 1 : 0;
if (t7) VX.countUnregisteredPxeWrite(V);
if ((t5 & 3) === 0 && t5 >>> 0 < 1048576 && (MEM.pageKind[t5 >>> 12] & 255) === 0) {
m32[t5 >>> 2] = t2;
} else {
smc = h.wrPhys(cpu, t5, t2) !== ep;
}
r1 = -559087571;
r2 = -559087571;
r0 = -559087571;
vc41 += 1;
ip = 4;
sp0 = r4;
t8 = tlb[r4 >>> 12];
t9 = t8 & 1 && !(r4 & 3) ? m32[(t8 & -4096 | r4 & 4095) >>> 2] : h.rdf(cpu, 2, r4, 4, i0 + ic - (LEFT[ip] + 1));
r4 = r4 + 4 | 0;
if (t9 !== 4111) {
ic -= 29;
cpu.exitSite = 1;
xe = t9;
break run;
}
if (smc) {
ic -= 29;
xl = 2;
break run;
}
r0 = 32768;
ip = 6;
sp0 = r4;
t10 = r4 - 4 | 0;
t11 = tlb[t10 >>> 12];
if (t11 & 2 && !(t10 & 3)) {
m32[(t11 & -4096 | t10 & 4095) >>> 2] = 4121;
} else {
smc = h.wrf(cpu, 2, t10, 4, 4121, i0 + ic - (LEFT[ip] + 1)) !== ep;
}
r4 = t10;
if (!((tlb[200] & -4063) === 819201 || h.fetchesFrom(cpu, 820672, 819200))) {
ic -= 27;
cpu.exitSite = 2;
xe = 820672;
break run;
}
ip = 7;
sp0 = r4;
t12 = r0;
t13 = tlb[t12 >>> 12];
t14 = t13 & 1 ? t13 & -4096 | t12 & 4095 : VX.walk(V, t12);
t15 = (t14 & 3) === 0 && t14 >>> 0 < 1048576 && (MEM.pageKind[t14 >>> 12] & 126) === 0 ? m32[t14 >>> 2] : h.rdPhys(cpu, t14);
r1 = -559087570;
r2 = -559087570;
r0 = t15;
vc42 += 1;
ip = 8;
sp0 = r4;
t16 = tlb[r4 >>> 12];
t17 = t16 & 1 && !(r4 & 3) ? m32[(t16 & -4096 | r4 & 4095) >>> 2] : h.rdf(cpu, 2, r4, 4, i0 + ic - (LEFT[ip] + 1));
r4 = r4 + 4 | 0;
if (t17 !== 4121) {
ic -= 25;
cpu.exitSite = 3;
xe = t17;
break run;
}
if (smc) {
ic -= 25;
xl = 3;
break run;
}
r0 = 24579;
r2 = 32772;
ip = 11;
sp0 = r4;
t18 = r4 - 4 | 0;
t19 = tlb[t18 >>> 12];
if (t19 & 2 && !(t18 & 3)) {
m32[(t19 & -4096 | t18 & 4095) >>> 2] = 4136;
} else {
smc = h.wrf(cpu, 2, t18, 4, 4136, i0 + ic - (LEFT[ip] + 1)) !== ep;
}
r4 = t18;
if (!((tlb[200] & -4063) === 819201 || h.fetchesFrom(cpu, 820704, 819200))) {
ic -= 22;
cpu.exitSite = 4;
xe = 820704;
break run;
}
ip = 12;
sp0 = r4;
t20 = r0;
t21 = r2;
t22 = tlb[t21 >>> 12];
t23 = t22 & 1 ? t22 & -4096 | t21 & 4095 : VX.walk(V, t21);
t24 = V.pageTables[t23 >>> 12];
t25 = t24 === 0 ? 1 : 0;
if (t25) VX.countUnregisteredPxeWrite(V);
t26 = (t23 & 3) === 0 && t23 >>> 0 < 1048576 && (MEM.pageKind[t23 >>> 12] & 126) === 0 ? m32[t23 >>> 2] : h.rdPhys(cpu, t23);
if ((t23 & 3) === 0 && t23 >>> 0 < 1048576 && (MEM.pageKind[t23 >>> 12] & 255) === 0) {
m32[t23 >>> 2] = t20;
} else {
smc = h.wrPhys(cpu, t23, t20) !== ep;
}
r1 = -559087569;
r2 = -559087569;
r0 = t26;
vc43 += 1;
ip = 13;
sp0 = r4;
t27 = tlb[r4 >>> 12];
t28 = t27 & 1 && !(r4 & 3) ? m32[(t27 & -4096 | r4 & 4095) >>> 2] : h.rdf(cpu, 2, r4, 4, i0 + ic - (LEFT[ip] + 1));
r4 = r4 + 4 | 0;
if (t28 !== 4136) {
ic -= 20;
cpu.exitSite = 5;
xe = t28;
break run;
}
if (smc) {
ic -= 20;
xl = 4;
break run;
}
r0 = 5;
r2 = 32776;
ip = 16;
sp0 = r4;
t29 = r4 - 4 | 0;
t30 = tlb[t29 >>> 12];
if (t30 & 2 && !(t29 & 3)) {
m32[(t30 & -4096 | t29 & 4095) >>> 2] = 4151;
} else {
smc = h.wrf(cpu, 2, t29, 4, 4151, i0 + ic - (LEFT[ip] + 1)) !== ep;
}
r4 = t29;
if (!((tlb[200] & -4063) === 819201 || h.fetchesFrom(cpu, 820832, 819200))) {
ic -= 17;
cpu.exitSite = 6;
xe = 820832;
break run;
}
ip = 17;
sp0 = r4;
t31 = r0;
t32 = r2;
t33 = tlb[t32 >>> 12];
t34 = t33 & 1 ? t33 & -4096 | t32 & 4095 : VX.walk(V, t32);
t35 = V.pageTables[t34 >>> 12];
t36 = t35 === 0 ? 1 : 0;
if (t36) VX.countUnregisteredPxeWrite(V);
t37 = t31 & 31;
t38 = (t34 & 3) === 0 && t34 >>> 0 < 1048576 && (MEM.pageKind[t34 >>> 12] & 126) === 0 ? m32[t34 >>> 2] : h.rdPhys(cpu, t34);
t39 = 1 << t37;
t40 = t38 | t39;
if ((t34 & 3) === 0 && t34 >>> 0 < 1048576 && (MEM.pageKind[t34 >>> 12] & 255) === 0) {
m32[t34 >>> 2] = t40;
} else {
smc = h.wrPhys(cpu, t34, t40) !== ep;
}
t41 = t38 >>> t37 | 0;
t42 = t41 & 1;
r1 = -559087565;
r2 = -559087565;
r0 = t42;
vc47 += 1;
ip = 18;
sp0 = r4;
t43 = tlb[r4 >>> 12];
t44 = t43 & 1 && !(r4 & 3) ? m32[(t43 & -4096 | r4 & 4095) >>> 2] : h.rdf(cpu, 2, r4, 4, i0 + ic - (LEFT[ip] + 1));
r4 = r4 + 4 | 0;
if (t44 !== 4151) {
ic -= 15;
cpu.exitSite = 7;
xe = t44;
break run;
}
if (smc) {
ic -= 15;
xl = 5;
break run;
}
r0 = 28675;
t45 = r2;
t46 = r2;
t47 = t45 ^ t46;
r2 = t47;
lop = 18;
lres = t47;
la = t45;
lb = 0;
lz = 2261;
r1 = 32784;
ip = 22;
sp0 = r4;
t48 = r4 - 4 | 0;
t49 = tlb[t48 >>> 12];
if (t49 & 2 && !(t48 & 3)) {
m32[(t49 & -4096 | t48 & 4095) >>> 2] = 4168;
} else {
smc = h.wrf(cpu, 2, t48, 4, 4168, i0 + ic - (LEFT[ip] + 1)) !== ep;
}
r4 = t48;
if (!((tlb[200] & -4063) === 819201 || h.fetchesFrom(cpu, 820736, 819200))) {
ic -= 11;
cpu.exitSite = 8;
xe = 820736;
break run;
}
ip = 23;
sp0 = r4;
t50 = r0;
t51 = r2;
t52 = r1;
t53 = tlb[t52 >>> 12];
t54 = t53 & 1 ? t53 & -4096 | t52 & 4095 : VX.walk(V, t52);
t55 = V.pageTables[t54 >>> 12];
t56 = t55 === 0 ? 1 : 0;
if (t56) VX.countUnregisteredPxeWrite(V);
t57 = t54 + 4 | 0;
if ((t57 & 3) === 0 && t57 >>> 0 < 1048576 && (MEM.pageKind[t57 >>> 12] & 255) === 0) {
m32[t57 >>> 2] = t51;
} else {
smc = h.wrPhys(cpu, t57, t51) !== ep;
}
if ((t54 & 3) === 0 && t54 >>> 0 < 1048576 && (MEM.pageKind[t54 >>> 12] & 255) === 0) {
m32[t54 >>> 2] = t50;
} else {
smc = h.wrPhys(cpu, t54, t50) !== ep;
}
r1 = -559087568;
r2 = -559087568;
r0 = -559087568;
vc44 += 1;
ip = 24;
sp0 = r4;
t58 = tlb[r4 >>> 12];
t59 = t58 & 1 && !(r4 & 3) ? m32[(t58 & -4096 | r4 & 4095) >>> 2] : h.rdf(cpu, 2, r4, 4, i0 + ic - (LEFT[ip] + 1));
r4 = r4 + 4 | 0;
if (t59 !== 4168) {
ic -= 9;
cpu.exitSite = 9;
xe = t59;
break run;
}
if (smc) {
ic -= 9;
xl = 6;
break run;
}
r0 = 4194304;
ip = 26;
sp0 = r4;
t60 = r4 - 4 | 0;
t61 = tlb[t60 >>> 12];
if (t61 & 2 && !(t60 & 3)) {
m32[(t61 & -4096 | t60 & 4095) >>> 2] = 4178;
} else {
smc = h.wrf(cpu, 2, t60, 4, 4178, i0 + ic - (LEFT[ip] + 1)) !== ep;
}
r4 = t60;
if (!((tlb[200] & -4063) === 819201 || h.fetchesFrom(cpu, 820960, 819200))) {
ic -= 7;
cpu.exitSite = 10;
xe = 820960;
break run;
}
ip = 27;
sp0 = r4;
t62 = r0;
t63 = V.deferMode;
t64 = t63 & 1;
if (t64) {
VX.queueInvalidatePage(V, t62);
} else {
VX.invalidatePage(V, t62);
}
r1 = -559087561;
r2 = -559087561;
r0 = -559087561;
vc58 += 1;
if (!((tlb[200] & -4063) === 819201 || h.fetchesFrom(cpu, 820963, 819200))) {
ic -= 6;
cpu.exitSite = 11;
xe = 820963;
break run;
}
ip = 28;
sp0 = r4;
t65 = tlb[r4 >>> 12];
if (!(t65 & 1 && !(r4 & 3))) {
t66 = h.rdf(cpu, 2, r4, 4, i0 + ic - (LEFT[ip] + 1));
if (t66 !== 4178) {
ic -= 5;
cpu.exitSite = 12;
xe = t66;
break run;
}
}
r4 = r4 + 4 | 0;
if (!((tlb[1] & -4096) === 4096 && tlb[1] & 1 || h.fetchesFrom(cpu, 4096, 4096))) {
ic -= 5;
xl = 7;
break run;
}
if (smc) {
ic -= 5;
xl = 7;
break run;
}
r0 = 1;
ip = 30;
sp0 = r4;
t67 = r4 - 4 | 0;
t68 = tlb[t67 >>> 12];
if (t68 & 2 && !(t67 & 3)) {
m32[(t68 & -4096 | t67 & 4095) >>> 2] = 4188;
} else {
smc = h.wrf(cpu, 2, t67, 4, 4188, i0 + ic - (LEFT[ip] + 1)) !== ep;
}
r4 = t67;
if (!((tlb[200] & -4063) === 819201 || h.fetchesFrom(cpu, 820992, 819200))) {
ic -= 3;
cpu.exitSite = 13;
xe = 820992;
break run;
}
ip = 31;
sp0 = r4;
t69 = r0;
t70 = V.deferMode;
t71 = t70 & 1;
if (t71) {
VX.queueFlushTlb(V, t69);
} else {
VX.flushTlb(V, t69);
}
r1 = -559087560;
r2 = -559087560;
r0 = -559087560;
vc59 += 1;
if (!((tlb[200] & -4063) === 819201 || h.fetchesFrom(cpu, 820995, 819200))) {
ic -= 2;
cpu.exitSite = 14;
xe = 820995;
break run;
}
ip = 32;
sp0 = r4;
t72 = tlb[r4 >>> 12];
if (!(t72 & 1 && !(r4 & 3))) {
t73 = h.rdf(cpu, 2, r4, 4, i0 + ic - (LEFT[ip] + 1));
if (t73 !== 4188) {
ic -= 1;
cpu.exitSite = 15;
xe = t73;
break run;
}
}
r4 = r4 + 4 | 0;
if (!((tlb[1] & -4096) === 4096 && tlb[1] & 1 || h.fetchesFrom(cpu, 4096, 4096))) {
ic -= 1;
xl = 8;
break run;
}
if (smc) {
ic -= 1;
xl = 8;
break run;
}
ip = 33;
sp0 = r4;
t74 = tlb[r4 >>> 12];
t75 = t74 & 1 && !(r4 & 3) ? m32[(t74 & -4096 | r4 & 4095) >>> 2] : h.rdf(cpu, 2, r4, 4, i0 + ic - 1);
r4 = r4 + 4 | 0;
xt = t75;
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
cpu.exitSite = 16;
xe = xt;
break run;
}
}
}
ip = -1;
} finally {
V.inlined[41] += vc41;
V.inlined[42] += vc42;
V.inlined[43] += vc43;
V.inlined[44] += vc44;
V.inlined[47] += vc47;
V.inlined[58] += vc58;
V.inlined[59] += vc59;
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
