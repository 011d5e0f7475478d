// vmi_iret_ports: 16 instructions, 1 blocks, 6133 bytes of source
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
const m8 = MEM.u8;
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
let xl = -1;
let smc = 0;
let xt = 0;
let hx = 0;
try {
run: for (; ; ) {
switch (pc) {
case 0:
{
if (ic + 16 > lim) {
xl = 0;
break run;
}
ic += 16;
r2 = 1021;
ip = 1;
sp0 = r4;
const t0 = r4 - 4 | 0;
const t1 = tlb[t0 >>> 12];
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
const t2 = r2;
cpu.instructions = i0 + ic - 14;
const t3 = VX.portRead(V, t2, 1);
r1 = -559087556;
r2 = -559087556;
r0 = t3;
V.inlined[64] += 1;
if (h.irq(cpu)) {
ic -= 13;
cpu.exitSite = 1;
xe = 821123;
break run;
}
ip = 3;
sp0 = r4;
const t4 = tlb[r4 >>> 12];
if (!(t4 & 1 && !(r4 & 3))) {
const t5 = h.rdf(cpu, 2, r4, 4, i0 + ic - (LEFT[ip] + 1));
if (t5 !== 4106) {
ic -= 12;
cpu.exitSite = 2;
xe = t5;
break run;
}
}
r4 = r4 + 4 | 0;
if (smc) {
ic -= 12;
xl = 1;
break run;
}
const t6 = r0;
r3 = t6;
r0 = 65;
r2 = 1016;
ip = 7;
sp0 = r4;
const t7 = r4 - 4 | 0;
const t8 = tlb[t7 >>> 12];
if (t8 & 2 && !(t7 & 3)) {
m32[(t8 & -4096 | t7 & 4095) >>> 2] = 4123;
} else {
smc = h.wrf(cpu, 2, t7, 4, 4123, i0 + ic - (LEFT[ip] + 1)) !== ep;
}
r4 = t7;
if (!((tlb[200] & -4063) === 819201 || h.fetchesFrom(cpu, 821312, 819200))) {
ic -= 8;
cpu.exitSite = 3;
xe = 821312;
break run;
}
ip = 8;
sp0 = r4;
const t9 = r0;
const t10 = r2;
cpu.instructions = i0 + ic - 8;
VX.portWrite(V, t10, 1, t9);
smc = MEM.codeEpoch !== ep;
r1 = -559087550;
r2 = -559087550;
r0 = -559087550;
V.inlined[70] += 1;
if (h.vmiLeave(V)) {
ic -= 7;
cpu.exitSite = 4;
xe = 821315;
break run;
}
ip = 9;
sp0 = r4;
const t11 = tlb[r4 >>> 12];
const t12 = t11 & 1 && !(r4 & 3) ? m32[(t11 & -4096 | r4 & 4095) >>> 2] : h.rdf(cpu, 2, r4, 4, i0 + ic - (LEFT[ip] + 1));
r4 = r4 + 4 | 0;
if (t12 !== 4123) {
ic -= 6;
cpu.exitSite = 5;
xe = t12;
break run;
}
if (smc) {
ic -= 6;
xl = 2;
break run;
}
const t13 = r0;
const t14 = r0;
const t15 = t13 ^ t14;
r0 = t15;
lop = 18;
lres = t15;
la = t13;
lb = 0;
lz = 2261;
ip = 11;
sp0 = r4;
const t16 = r4 - 4 | 0;
const t17 = tlb[t16 >>> 12];
if (t17 & 2 && !(t16 & 3)) {
m32[(t17 & -4096 | t16 & 4095) >>> 2] = 4130;
} else {
smc = h.wrf(cpu, 2, t16, 4, 4130, i0 + ic - (LEFT[ip] + 1)) !== ep;
}
r4 = t16;
if (!((tlb[200] & -4063) === 819201 || h.fetchesFrom(cpu, 819360, 819200))) {
ic -= 4;
cpu.exitSite = 6;
xe = 819360;
break run;
}
ip = 12;
sp0 = r4;
const t18 = r0;
const t19 = r0;
const t20 = hp.cpuid(cpu, t19, 0);
const t21 = hp.cpuid(cpu, t19, 1);
const t22 = hp.cpuid(cpu, t19, 2);
const t23 = hp.cpuid(cpu, t19, 3);
r0 = t20;
r3 = t21;
r1 = t22;
r2 = t23;
const t24 = t18 === 1 ? 1 : 0;
if (t24) {
const t25 = r2;
const t26 = t25 & -217219;
r2 = t26;
}
V.inlined[1] += 1;
ip = 13;
sp0 = r4;
const t27 = tlb[r4 >>> 12];
if (!(t27 & 1 && !(r4 & 3))) {
const t28 = h.rdf(cpu, 2, r4, 4, i0 + ic - (LEFT[ip] + 1));
if (t28 !== 4130) {
ic -= 2;
cpu.exitSite = 7;
xe = t28;
break run;
}
}
r4 = r4 + 4 | 0;
if (smc) {
ic -= 2;
xl = 3;
break run;
}
ip = 14;
sp0 = r4;
const t29 = tlb[1];
const t30 = t29 & 1 ? m32[(t29 & -4096 | 40) >>> 2] : h.rdf(cpu, 3, 4136, 4, i0 + ic - (LEFT[ip] + 1));
if (!(t30 === 820448 && ((tlb[200] & -4063) === 819201 || h.fetchesFrom(cpu, 820448, 819200)))) {
ic -= 1;
cpu.exitSite = 8;
xe = t30;
break run;
}
ip = 15;
sp0 = r4;
const t31 = hp.iretFrameFirst(cpu);
if (t31) {
const t32 = r4;
const t33 = tlb[t32 >>> 12];
const t34 = t33 & 1 && !(t32 & 3) ? m32[(t33 & -4096 | t32 & 4095) >>> 2] : h.rdf(cpu, 2, t32, 4, i0 + ic - (LEFT[ip] + 1));
const t35 = t32 + 4 | 0;
const t36 = tlb[t35 >>> 12];
const t37 = t36 & 1 && !(t35 & 1) ? m16[(t36 & -4096 | t35 & 4095) >>> 1] : h.rdf(cpu, 2, t35, 2, i0 + ic - (LEFT[ip] + 1));
const t38 = t32 + 8 | 0;
const t39 = tlb[t38 >>> 12];
const t40 = t39 & 1 && !(t38 & 3) ? m32[(t39 & -4096 | t38 & 4095) >>> 2] : h.rdf(cpu, 2, t38, 4, i0 + ic - (LEFT[ip] + 1));
const t41 = fl & 1602048;
const t42 = hp.iretInRing(cpu, t34, t37, t40, t41);
if (t42) {
const t43 = t32 + 12 | 0;
r4 = t43;
lz = lz & -2444758;
fl = fl & -2444758 | t40 & 2444757;
const t44 = t42 & 2;
if (t44) fl = fl & -513 | t40 & 512;
const t45 = cpu.pv ? 1 : 0;
const t46 = t40 & 512;
const t47 = t46 !== 0 ? 1 : 0;
const t48 = V.vif ? 1 : 0;
const t49 = t48 ^ 1;
const t50 = t47 & t49;
const t51 = t45 & t50;
if (t45) {
V.vif = !!t47;
fl = fl & -513 | 1 << 9;
}
const t52 = t51;
const t53 = t34 | 0;
V.inlined[35] += 1;
if (MEM.codeEpoch === ep && !(t52 && h.irq(cpu))) {
xt = t53;
pc = -1;
continue run;
}
cpu.exitSite = 9;
xe = t53;
break run;
} else {
const t54 = r4;
const t55 = t54 + 8 | 0;
const t56 = tlb[t55 >>> 12];
const t57 = t56 & 1 && !(t55 & 3) ? m32[(t56 & -4096 | t55 & 4095) >>> 2] : h.rdf(cpu, 2, t55, 4, i0 + ic - (LEFT[ip] + 1));
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
const t58 = h.modeStamp(cpu);
const t59 = VX.iretFrame(V);
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
const t60 = cpu.pv ? 1 : 0;
const t61 = t57 & 512;
const t62 = t61 !== 0 ? 1 : 0;
const t63 = V.vif ? 1 : 0;
const t64 = t63 ^ 1;
const t65 = t62 & t64;
const t66 = t60 & t65;
if (t60) {
V.vif = !!t62;
lz = lz & -513;
fl = fl & -513 | 1 << 9;
}
const t67 = t66;
const t68 = t59 | 0;
V.inlined[35] += 1;
if (MEM.codeEpoch === ep && h.goesOnAfterTransfer(cpu, t58)) {
xt = t68;
pc = -1;
continue run;
}
cpu.exitSite = 10;
xe = t68;
break run;
}
} else {
const t69 = r4;
const t70 = t69 + 8 | 0;
const t71 = tlb[t70 >>> 12];
const t72 = t71 & 1 && !(t70 & 3) ? m32[(t71 & -4096 | t70 & 4095) >>> 2] : h.rdf(cpu, 2, t70, 4, i0 + ic - (LEFT[ip] + 1));
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
const t73 = h.modeStamp(cpu);
const t74 = VX.iretFrame(V);
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
const t75 = cpu.pv ? 1 : 0;
const t76 = t72 & 512;
const t77 = t76 !== 0 ? 1 : 0;
const t78 = V.vif ? 1 : 0;
const t79 = t78 ^ 1;
const t80 = t77 & t79;
const t81 = t75 & t80;
if (t75) {
V.vif = !!t77;
lz = lz & -513;
fl = fl & -513 | 1 << 9;
}
const t82 = t81;
const t83 = t74 | 0;
V.inlined[35] += 1;
if (MEM.codeEpoch === ep && h.goesOnAfterTransfer(cpu, t73)) {
xt = t83;
pc = -1;
continue run;
}
cpu.exitSite = 11;
xe = t83;
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
cpu.eip = xl < 0 ? xe : XE[xl];
cpu.instructions = i0 + ic;
} else {
if (SPX[ip]) R[4] = sp0;
cpu.eip = EIPS[ip];
cpu.instructions = i0 + ic - LEFT[ip];
}
}
return xl >= 0 ? L[xl] : undefined;
};
