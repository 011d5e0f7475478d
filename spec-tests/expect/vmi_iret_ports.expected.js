// vmi_iret_ports: 16 instructions, 1 blocks, 6201 bytes of source
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
const t4 = MEM.codeEpoch !== ep;
const t5 = t4;
r1 = -559087556;
r2 = -559087556;
r0 = t3;
V.inlined[64] += 1;
if (t5 && h.irq(cpu)) {
ic -= 13;
cpu.exitSite = 1;
xe = 821123;
break run;
}
ip = 3;
sp0 = r4;
const t6 = tlb[r4 >>> 12];
if (!(t6 & 1 && !(r4 & 3))) {
const t7 = h.rdf(cpu, 2, r4, 4, i0 + ic - (LEFT[ip] + 1));
if (t7 !== 4106) {
ic -= 12;
cpu.exitSite = 2;
xe = t7;
break run;
}
}
r4 = r4 + 4 | 0;
if (smc) {
ic -= 12;
xl = 1;
break run;
}
const t8 = r0;
r3 = t8;
r0 = 65;
r2 = 1016;
ip = 7;
sp0 = r4;
const t9 = r4 - 4 | 0;
const t10 = tlb[t9 >>> 12];
if (t10 & 2 && !(t9 & 3)) {
m32[(t10 & -4096 | t9 & 4095) >>> 2] = 4123;
} else {
smc = h.wrf(cpu, 2, t9, 4, 4123, i0 + ic - (LEFT[ip] + 1)) !== ep;
}
r4 = t9;
if (!((tlb[200] & -4063) === 819201 || h.fetchesFrom(cpu, 821312, 819200))) {
ic -= 8;
cpu.exitSite = 3;
xe = 821312;
break run;
}
ip = 8;
sp0 = r4;
const t11 = r0;
const t12 = r2;
cpu.instructions = i0 + ic - 8;
VX.portWrite(V, t12, 1, t11);
smc = MEM.codeEpoch !== ep;
r1 = -559087550;
r2 = -559087550;
r0 = -559087550;
V.inlined[70] += 1;
if (MEM.codeEpoch !== ep && h.vmiLeave(V)) {
ic -= 7;
cpu.exitSite = 4;
xe = 821315;
break run;
}
ip = 9;
sp0 = r4;
const t13 = tlb[r4 >>> 12];
if (MEM.codeEpoch !== ep || !(t13 & 1 && !(r4 & 3))) {
const t14 = h.rdf(cpu, 2, r4, 4, i0 + ic - (LEFT[ip] + 1));
if (t14 !== 4123) {
ic -= 6;
cpu.exitSite = 5;
xe = t14;
break run;
}
}
r4 = r4 + 4 | 0;
if (smc) {
ic -= 6;
xl = 2;
break run;
}
const t15 = r0;
const t16 = r0;
const t17 = t15 ^ t16;
r0 = t17;
lop = 18;
lres = t17;
la = t15;
lb = 0;
lz = 2261;
ip = 11;
sp0 = r4;
const t18 = r4 - 4 | 0;
const t19 = tlb[t18 >>> 12];
if (t19 & 2 && !(t18 & 3)) {
m32[(t19 & -4096 | t18 & 4095) >>> 2] = 4130;
} else {
smc = h.wrf(cpu, 2, t18, 4, 4130, i0 + ic - (LEFT[ip] + 1)) !== ep;
}
r4 = t18;
if (!((tlb[200] & -4063) === 819201 || h.fetchesFrom(cpu, 819360, 819200))) {
ic -= 4;
cpu.exitSite = 6;
xe = 819360;
break run;
}
ip = 12;
sp0 = r4;
const t20 = r0;
const t21 = r0;
const t22 = hp.cpuid(cpu, t21, 0);
const t23 = hp.cpuid(cpu, t21, 1);
const t24 = hp.cpuid(cpu, t21, 2);
const t25 = hp.cpuid(cpu, t21, 3);
r0 = t22;
r3 = t23;
r1 = t24;
r2 = t25;
const t26 = t20 === 1 ? 1 : 0;
if (t26) {
const t27 = r2;
const t28 = t27 & -217219;
r2 = t28;
}
V.inlined[1] += 1;
ip = 13;
sp0 = r4;
const t29 = tlb[r4 >>> 12];
if (!(t29 & 1 && !(r4 & 3))) {
const t30 = h.rdf(cpu, 2, r4, 4, i0 + ic - (LEFT[ip] + 1));
if (t30 !== 4130) {
ic -= 2;
cpu.exitSite = 7;
xe = t30;
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
const t31 = tlb[1];
const t32 = t31 & 1 ? m32[(t31 & -4096 | 40) >>> 2] : h.rdf(cpu, 3, 4136, 4, i0 + ic - (LEFT[ip] + 1));
if (!(t32 === 820448 && ((tlb[200] & -4063) === 819201 || h.fetchesFrom(cpu, 820448, 819200)))) {
ic -= 1;
cpu.exitSite = 8;
xe = t32;
break run;
}
ip = 15;
sp0 = r4;
const t33 = hp.iretFrameFirst(cpu);
if (t33) {
const t34 = r4;
const t35 = tlb[t34 >>> 12];
const t36 = t35 & 1 && !(t34 & 3) ? m32[(t35 & -4096 | t34 & 4095) >>> 2] : h.rdf(cpu, 2, t34, 4, i0 + ic - (LEFT[ip] + 1));
const t37 = t34 + 4 | 0;
const t38 = tlb[t37 >>> 12];
const t39 = t38 & 1 && !(t37 & 1) ? m16[(t38 & -4096 | t37 & 4095) >>> 1] : h.rdf(cpu, 2, t37, 2, i0 + ic - (LEFT[ip] + 1));
const t40 = t34 + 8 | 0;
const t41 = tlb[t40 >>> 12];
const t42 = t41 & 1 && !(t40 & 3) ? m32[(t41 & -4096 | t40 & 4095) >>> 2] : h.rdf(cpu, 2, t40, 4, i0 + ic - (LEFT[ip] + 1));
const t43 = fl & 1602048;
const t44 = hp.iretInRing(cpu, t36, t39, t42, t43);
if (t44) {
const t45 = t34 + 12 | 0;
r4 = t45;
lz = lz & -2444758;
fl = fl & -2444758 | t42 & 2444757;
const t46 = t44 & 2;
if (t46) fl = fl & -513 | t42 & 512;
const t47 = cpu.pv ? 1 : 0;
const t48 = t42 & 512;
const t49 = t48 !== 0 ? 1 : 0;
const t50 = V.vif ? 1 : 0;
const t51 = t50 ^ 1;
const t52 = t49 & t51;
const t53 = t47 & t52;
if (t47) {
V.vif = !!t49;
fl = fl & -513 | 1 << 9;
}
const t54 = t53;
const t55 = t36 | 0;
V.inlined[35] += 1;
if (MEM.codeEpoch === ep && !(t54 && h.irq(cpu))) {
xt = t55;
pc = -1;
continue run;
}
cpu.exitSite = 9;
xe = t55;
break run;
} else {
const t56 = r4;
const t57 = t56 + 8 | 0;
const t58 = tlb[t57 >>> 12];
const t59 = t58 & 1 && !(t57 & 3) ? m32[(t58 & -4096 | t57 & 4095) >>> 2] : h.rdf(cpu, 2, t57, 4, i0 + ic - (LEFT[ip] + 1));
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
const t60 = h.modeStamp(cpu);
const t61 = VX.iretFrame(V);
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
const t62 = cpu.pv ? 1 : 0;
const t63 = t59 & 512;
const t64 = t63 !== 0 ? 1 : 0;
const t65 = V.vif ? 1 : 0;
const t66 = t65 ^ 1;
const t67 = t64 & t66;
const t68 = t62 & t67;
if (t62) {
V.vif = !!t64;
lz = lz & -513;
fl = fl & -513 | 1 << 9;
}
const t69 = t68;
const t70 = t61 | 0;
V.inlined[35] += 1;
if (MEM.codeEpoch === ep && h.goesOnAfterTransfer(cpu, t60)) {
xt = t70;
pc = -1;
continue run;
}
cpu.exitSite = 10;
xe = t70;
break run;
}
} else {
const t71 = r4;
const t72 = t71 + 8 | 0;
const t73 = tlb[t72 >>> 12];
const t74 = t73 & 1 && !(t72 & 3) ? m32[(t73 & -4096 | t72 & 4095) >>> 2] : h.rdf(cpu, 2, t72, 4, i0 + ic - (LEFT[ip] + 1));
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
const t75 = h.modeStamp(cpu);
const t76 = VX.iretFrame(V);
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
const t77 = cpu.pv ? 1 : 0;
const t78 = t74 & 512;
const t79 = t78 !== 0 ? 1 : 0;
const t80 = V.vif ? 1 : 0;
const t81 = t80 ^ 1;
const t82 = t79 & t81;
const t83 = t77 & t82;
if (t77) {
V.vif = !!t79;
lz = lz & -513;
fl = fl & -513 | 1 << 9;
}
const t84 = t83;
const t85 = t76 | 0;
V.inlined[35] += 1;
if (MEM.codeEpoch === ep && h.goesOnAfterTransfer(cpu, t75)) {
xt = t85;
pc = -1;
continue run;
}
cpu.exitSite = 11;
xe = t85;
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
