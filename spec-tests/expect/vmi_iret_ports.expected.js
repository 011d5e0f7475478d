// vmi_iret_ports: 16 instructions, 1 blocks, 6000 bytes of source
// 1000 ba fd 03 00 00 mov edx, 0x3fd
// 1005 e8 76 77 0c 00 call 0xc8780
// 100a 89 c3 mov ebx, eax
// 100c b8 41 00 00 00 mov eax, 0x41
// 1011 ba f8 03 00 00 mov edx, 0x3f8
// 1016 e8 25 78 0c 00 call 0xc8840
// 101b 31 c0 xor eax, eax
// 101d e8 7e 70 0c 00 call 0xc80a0
// 1022 ff 25 28 10 00 00 jmp dword ptr [0x1028]
// 1028 e0 84 loopne 0xfae
// 102a 0c 00 or al, 0x0
// discover: 1 blocks
// 1000: 9 instructions to 1022
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
let vc1 = 0;
let vc35 = 0;
let vc64 = 0;
let vc70 = 0;
let t0, t1, t2, t3, t4, t5, t6, t7, t8, t9, t10, t11, t12, t13, t14, t15, t16, t17, t18, t19, t20, t21, t22, t23, t24, t25, t26, t27, t28, t29, t30, t31, t32, t33, t34, t35, t36, t37, t38, t39, t40, t41, t42, t43, t44, t45, t46, t47, t48, t49, t50, t51, t52, t53, t54, t55, t56, t57, t58, t59, t60, t61, t62, t63, t64, t65, t66, t67, t68, t69, t70, t71, t72, t73, t74, t75, t76, t77, t78, t79, t80, t81;
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
r2 = 1021;
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
if (!((tlb[200] & -4063) === 819201 || h.fetchesFrom(cpu, 821120, 819200))) {
ic -= 14;
cpu.exitSite = 0;
xe = 821120;
break run;
}
ip = 2;
sp0 = r4;
t2 = r2;
cpu.instructions = i0 + ic - 14;
t3 = VX.portRead(V, t2, 1);
t4 = MEM.codeEpoch !== ep;
r1 = -559087556;
r2 = -559087556;
r0 = t3;
vc64 += 1;
if (t4 && h.irq(cpu)) {
ic -= 13;
cpu.exitSite = 1;
xe = 821123;
break run;
}
ip = 3;
sp0 = r4;
t5 = tlb[r4 >>> 12];
if (!(t5 & 1 && !(r4 & 3))) {
t6 = h.rdf(cpu, 2, r4, 4, i0 + ic - (LEFT[ip] + 1));
if (t6 !== 4106) {
ic -= 12;
cpu.exitSite = 2;
xe = t6;
break run;
}
}
r4 = r4 + 4 | 0;
if (smc) {
ic -= 12;
xl = 2;
break run;
}
t7 = r0;
r3 = t7;
r0 = 65;
r2 = 1016;
ip = 7;
sp0 = r4;
t8 = r4 - 4 | 0;
t9 = tlb[t8 >>> 12];
if (t9 & 2 && !(t8 & 3)) {
m32[(t9 & -4096 | t8 & 4095) >>> 2] = 4123;
} else {
smc = h.wrf(cpu, 2, t8, 4, 4123, i0 + ic - (LEFT[ip] + 1)) !== ep;
}
r4 = t8;
if (!((tlb[200] & -4063) === 819201 || h.fetchesFrom(cpu, 821312, 819200))) {
ic -= 8;
cpu.exitSite = 3;
xe = 821312;
break run;
}
ip = 8;
sp0 = r4;
t10 = r0;
t11 = r2;
cpu.instructions = i0 + ic - 8;
VX.portWrite(V, t11, 1, t10);
smc = MEM.codeEpoch !== ep;
r1 = -559087550;
r2 = -559087550;
r0 = -559087550;
vc70 += 1;
if (MEM.codeEpoch !== ep && h.vmiLeave(V)) {
ic -= 7;
cpu.exitSite = 4;
xe = 821315;
break run;
}
ip = 9;
sp0 = r4;
t12 = tlb[r4 >>> 12];
if (MEM.codeEpoch !== ep || !(t12 & 1 && !(r4 & 3))) {
t13 = h.rdf(cpu, 2, r4, 4, i0 + ic - (LEFT[ip] + 1));
if (t13 !== 4123) {
ic -= 6;
cpu.exitSite = 5;
xe = t13;
break run;
}
}
r4 = r4 + 4 | 0;
if (smc) {
ic -= 6;
xl = 3;
break run;
}
t14 = r0;
t15 = r0;
t16 = t14 ^ t15;
r0 = t16;
lop = 18;
lres = t16;
la = t14;
lb = 0;
lz = 2261;
ip = 11;
sp0 = r4;
t17 = r4 - 4 | 0;
t18 = tlb[t17 >>> 12];
if (t18 & 2 && !(t17 & 3)) {
m32[(t18 & -4096 | t17 & 4095) >>> 2] = 4130;
} else {
smc = h.wrf(cpu, 2, t17, 4, 4130, i0 + ic - (LEFT[ip] + 1)) !== ep;
}
r4 = t17;
if (!((tlb[200] & -4063) === 819201 || h.fetchesFrom(cpu, 819360, 819200))) {
ic -= 4;
cpu.exitSite = 6;
xe = 819360;
break run;
}
ip = 12;
sp0 = r4;
t19 = r0;
t20 = r0;
t21 = hp.cpuid(cpu, t20, 0);
t22 = hp.cpuid(cpu, t20, 1);
t23 = hp.cpuid(cpu, t20, 2);
t24 = hp.cpuid(cpu, t20, 3);
r0 = t21;
r3 = t22;
r1 = t23;
r2 = t24;
t25 = t19 === 1 ? 1 : 0;
if (t25) {
t26 = r2;
t27 = t26 & -217219;
r2 = t27;
}
vc1 += 1;
ip = 13;
sp0 = r4;
t28 = tlb[r4 >>> 12];
if (!(t28 & 1 && !(r4 & 3))) {
t29 = h.rdf(cpu, 2, r4, 4, i0 + ic - (LEFT[ip] + 1));
if (t29 !== 4130) {
ic -= 2;
cpu.exitSite = 7;
xe = t29;
break run;
}
}
r4 = r4 + 4 | 0;
if (smc) {
ic -= 2;
xl = 4;
break run;
}
ip = 14;
sp0 = r4;
t30 = tlb[1];
t31 = t30 & 1 ? m32[(t30 & -4096 | 40) >>> 2] : h.rdf(cpu, 3, 4136, 4, i0 + ic - (LEFT[ip] + 1));
if (!(t31 === 820448 && ((tlb[200] & -4063) === 819201 || h.fetchesFrom(cpu, 820448, 819200)))) {
ic -= 1;
cpu.exitSite = 8;
xe = t31;
break run;
}
ip = 15;
sp0 = r4;
t32 = hp.iretFrameFirst(cpu);
if (t32) {
t33 = r4;
t34 = tlb[t33 >>> 12];
t35 = t34 & 1 && !(t33 & 3) ? m32[(t34 & -4096 | t33 & 4095) >>> 2] : h.rdf(cpu, 2, t33, 4, i0 + ic - (LEFT[ip] + 1));
t36 = t33 + 4 | 0;
t37 = tlb[t36 >>> 12];
t38 = t37 & 1 && !(t36 & 1) ? m16[(t37 & -4096 | t36 & 4095) >>> 1] : h.rdf(cpu, 2, t36, 2, i0 + ic - (LEFT[ip] + 1));
t39 = t33 + 8 | 0;
t40 = tlb[t39 >>> 12];
t41 = t40 & 1 && !(t39 & 3) ? m32[(t40 & -4096 | t39 & 4095) >>> 2] : h.rdf(cpu, 2, t39, 4, i0 + ic - (LEFT[ip] + 1));
t42 = fl & 1602048;
t43 = hp.iretInRing(cpu, t35, t38, t41, t42);
if (t43) {
t44 = t33 + 12 | 0;
r4 = t44;
lz = lz & -2444758;
fl = fl & -2444758 | t41 & 2444757;
t45 = t43 & 2;
if (t45) fl = fl & -513 | t41 & 512;
t46 = cpu.pv ? 1 : 0;
t47 = t41 & 512;
t48 = t47 !== 0 ? 1 : 0;
t49 = V.vif ? 1 : 0;
t50 = t49 ^ 1;
t51 = t48 & t50;
t52 = t46 & t51;
if (t46) {
V.vif = !!t48;
fl = fl & -513 | 1 << 9;
}
t53 = t35 | 0;
vc35 += 1;
if (MEM.codeEpoch === ep && !(t52 && h.irq(cpu))) {
xt = t53;
pc = -1;
continue run;
}
cpu.exitSite = 9;
xe = t53;
break run;
} else {
t54 = r4;
t55 = t54 + 8 | 0;
t56 = tlb[t55 >>> 12];
t57 = t56 & 1 && !(t55 & 3) ? m32[(t56 & -4096 | t55 & 4095) >>> 2] : h.rdf(cpu, 2, t55, 4, i0 + ic - (LEFT[ip] + 1));
cpu.instructions = i0 + ic - 1;
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
cpu.eip = 820451;
t58 = h.modeStamp(cpu);
t59 = VX.iretFrame(V);
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
t60 = cpu.pv ? 1 : 0;
t61 = t57 & 512;
t62 = t61 !== 0 ? 1 : 0;
t63 = V.vif ? 1 : 0;
t64 = t63 ^ 1;
t65 = t62 & t64;
t66 = t60 & t65;
if (t60) {
V.vif = !!t62;
lz = lz & -513;
fl = fl & -513 | 1 << 9;
}
t67 = t59 | 0;
vc35 += 1;
if (MEM.codeEpoch === ep && h.goesOnAfterTransfer(cpu, t58)) {
xt = t67;
pc = -1;
continue run;
}
cpu.exitSite = 10;
xe = t67;
break run;
}
} else {
t68 = r4;
t69 = t68 + 8 | 0;
t70 = tlb[t69 >>> 12];
t71 = t70 & 1 && !(t69 & 3) ? m32[(t70 & -4096 | t69 & 4095) >>> 2] : h.rdf(cpu, 2, t69, 4, i0 + ic - (LEFT[ip] + 1));
cpu.instructions = i0 + ic - 1;
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
cpu.eip = 820451;
t72 = h.modeStamp(cpu);
t73 = VX.iretFrame(V);
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
t74 = cpu.pv ? 1 : 0;
t75 = t71 & 512;
t76 = t75 !== 0 ? 1 : 0;
t77 = V.vif ? 1 : 0;
t78 = t77 ^ 1;
t79 = t76 & t78;
t80 = t74 & t79;
if (t74) {
V.vif = !!t76;
lz = lz & -513;
fl = fl & -513 | 1 << 9;
}
t81 = t73 | 0;
vc35 += 1;
if (MEM.codeEpoch === ep && h.goesOnAfterTransfer(cpu, t72)) {
xt = t81;
pc = -1;
continue run;
}
cpu.exitSite = 11;
xe = t81;
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
cpu.exitSite = 12;
xe = xt;
break run;
}
}
}
ip = -1;
} finally {
V.inlined[1] += vc1;
V.inlined[35] += vc35;
V.inlined[64] += vc64;
V.inlined[70] += vc70;
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
