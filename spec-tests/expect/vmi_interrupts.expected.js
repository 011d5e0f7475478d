// vmi_interrupts: 16 instructions, 1 blocks, 3207 bytes of source
// 1000 e8 7b 74 0c 00 call 0xc8480
// 1005 e8 96 74 0c 00 call 0xc84a0
// 100a 89 c3 mov ebx, eax
// 100c b8 00 02 00 00 mov eax, 0x200
// 1011 e8 aa 74 0c 00 call 0xc84c0
// 1016 e8 45 74 0c 00 call 0xc8460
// 101b 89 d8 mov eax, ebx
// 101d c3 ret
// discover: 1 blocks
// 1000: 8 instructions to 101d
return function translated(cpu, pc) {
const R = cpu.regs;
const tlb = cpu.mmu.tlb;
const m32 = MEM.i32;
const ep = MEM.codeEpoch;
const lim = cpu.budget;
let r0 = R[0];
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
let vc31 = 0;
let vc32 = 0;
let vc33 = 0;
let vc34 = 0;
let t0, t1, t2, t3, t4, t5, t6, t7, t8, t9, t10, t11, t12, t13, t14, t15, t16, t17, t18, t19, t20, t21, t22, t23, t24, t25, t26, t27, t28, t29;
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
if (!((tlb[200] & -4063) === 819201 || h.fetchesFrom(cpu, 820352, 819200))) {
ic -= 15;
cpu.exitSite = 0;
xe = 820352;
break run;
}
ip = 1;
sp0 = r4;
V.vif = !!0;
vc32 += 1;
ip = 2;
sp0 = r4;
t2 = tlb[r4 >>> 12];
if (!(t2 & 1 && !(r4 & 3))) {
t3 = h.rdf(cpu, 2, r4, 4, i0 + ic - (LEFT[ip] + 1));
if (t3 !== 4101) {
ic -= 13;
cpu.exitSite = 1;
xe = t3;
break run;
}
}
r4 = r4 + 4 | 0;
if (smc) {
ic -= 13;
xl = 2;
break run;
}
ip = 3;
sp0 = r4;
t4 = r4 - 4 | 0;
t5 = tlb[t4 >>> 12];
if (t5 & 2 && !(t4 & 3)) {
m32[(t5 & -4096 | t4 & 4095) >>> 2] = 4106;
} else {
smc = h.wrf(cpu, 2, t4, 4, 4106, i0 + ic - (LEFT[ip] + 1)) !== ep;
}
r4 = t4;
if (!((tlb[200] & -4063) === 819201 || h.fetchesFrom(cpu, 820384, 819200))) {
ic -= 12;
cpu.exitSite = 2;
xe = 820384;
break run;
}
ip = 4;
sp0 = r4;
t6 = V.vif ? 1 : 0;
t7 = t6 ? 512 : 0;
r0 = t7;
vc33 += 1;
ip = 5;
sp0 = r4;
t8 = tlb[r4 >>> 12];
if (!(t8 & 1 && !(r4 & 3))) {
t9 = h.rdf(cpu, 2, r4, 4, i0 + ic - (LEFT[ip] + 1));
if (t9 !== 4106) {
ic -= 10;
cpu.exitSite = 3;
xe = t9;
break run;
}
}
r4 = r4 + 4 | 0;
if (smc) {
ic -= 10;
xl = 3;
break run;
}
t10 = r0;
r3 = t10;
r0 = 512;
ip = 8;
sp0 = r4;
t11 = r4 - 4 | 0;
t12 = tlb[t11 >>> 12];
if (t12 & 2 && !(t11 & 3)) {
m32[(t12 & -4096 | t11 & 4095) >>> 2] = 4118;
} else {
smc = h.wrf(cpu, 2, t11, 4, 4118, i0 + ic - (LEFT[ip] + 1)) !== ep;
}
r4 = t11;
if (!((tlb[200] & -4063) === 819201 || h.fetchesFrom(cpu, 820416, 819200))) {
ic -= 7;
cpu.exitSite = 4;
xe = 820416;
break run;
}
ip = 9;
sp0 = r4;
t13 = r0;
t14 = V.vif ? 1 : 0;
t15 = t13 & 512;
t16 = t15 !== 0 ? 1 : 0;
V.vif = !!t16;
t17 = t14 ^ 1;
t18 = t16 & t17;
vc34 += 1;
if (t18 && h.irq(cpu)) {
ic -= 6;
cpu.exitSite = 5;
xe = 820419;
break run;
}
ip = 10;
sp0 = r4;
t19 = tlb[r4 >>> 12];
if (!(t19 & 1 && !(r4 & 3))) {
t20 = h.rdf(cpu, 2, r4, 4, i0 + ic - (LEFT[ip] + 1));
if (t20 !== 4118) {
ic -= 5;
cpu.exitSite = 6;
xe = t20;
break run;
}
}
r4 = r4 + 4 | 0;
if (smc) {
ic -= 5;
xl = 4;
break run;
}
ip = 11;
sp0 = r4;
t21 = r4 - 4 | 0;
t22 = tlb[t21 >>> 12];
if (t22 & 2 && !(t21 & 3)) {
m32[(t22 & -4096 | t21 & 4095) >>> 2] = 4123;
} else {
smc = h.wrf(cpu, 2, t21, 4, 4123, i0 + ic - (LEFT[ip] + 1)) !== ep;
}
r4 = t21;
if (!((tlb[200] & -4063) === 819201 || h.fetchesFrom(cpu, 820320, 819200))) {
ic -= 4;
cpu.exitSite = 7;
xe = 820320;
break run;
}
ip = 12;
sp0 = r4;
t23 = V.vif ? 1 : 0;
V.vif = !!1;
t24 = t23 ^ 1;
vc31 += 1;
if (t24 && h.irq(cpu)) {
ic -= 3;
cpu.exitSite = 8;
xe = 820323;
break run;
}
ip = 13;
sp0 = r4;
t25 = tlb[r4 >>> 12];
if (!(t25 & 1 && !(r4 & 3))) {
t26 = h.rdf(cpu, 2, r4, 4, i0 + ic - (LEFT[ip] + 1));
if (t26 !== 4123) {
ic -= 2;
cpu.exitSite = 9;
xe = t26;
break run;
}
}
r4 = r4 + 4 | 0;
if (smc) {
ic -= 2;
xl = 5;
break run;
}
t27 = r3;
r0 = t27;
ip = 15;
sp0 = r4;
t28 = tlb[r4 >>> 12];
t29 = t28 & 1 && !(r4 & 3) ? m32[(t28 & -4096 | r4 & 4095) >>> 2] : h.rdf(cpu, 2, r4, 4, i0 + ic - 1);
r4 = r4 + 4 | 0;
xt = t29;
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
V.inlined[31] += vc31;
V.inlined[32] += vc32;
V.inlined[33] += vc33;
V.inlined[34] += vc34;
R[0] = r0;
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
