// vmi_iret_ports: 16 instructions, 1 blocks, 4161 bytes of source
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
return function translated(cpu) {
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
let pc = 0;
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
const t5 = t4 & 1 && !(r4 & 3) ? m32[(t4 & -4096 | r4 & 4095) >>> 2] : h.rdf(cpu, 2, r4, 4, i0 + ic - (LEFT[ip] + 1));
r4 = r4 + 4 | 0;
if (t5 !== 4106) {
ic -= 12;
cpu.exitSite = 2;
xe = t5;
break run;
}
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
cpu.instructions = i0 + ic - 4;
cpu.eip = 819363;
h.vmiCall(V, 5);
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
V.inlined[1] += 1;
if (MEM.codeEpoch !== ep) {
ic -= 3;
cpu.exitSite = 7;
xe = 819363;
break run;
}
ip = 13;
sp0 = r4;
const t18 = tlb[r4 >>> 12];
const t19 = t18 & 1 && !(r4 & 3) ? m32[(t18 & -4096 | r4 & 4095) >>> 2] : h.rdf(cpu, 2, r4, 4, i0 + ic - (LEFT[ip] + 1));
r4 = r4 + 4 | 0;
if (t19 !== 4130) {
ic -= 2;
cpu.exitSite = 8;
xe = t19;
break run;
}
if (smc) {
ic -= 2;
xl = 3;
break run;
}
ip = 14;
sp0 = r4;
const t20 = tlb[1];
const t21 = t20 & 1 ? m32[(t20 & -4096 | 40) >>> 2] : h.rdf(cpu, 3, 4136, 4, i0 + ic - (LEFT[ip] + 1));
if (!(t21 === 820448 && ((tlb[200] & -4063) === 819201 || h.fetchesFrom(cpu, 820448, 819200)))) {
ic -= 1;
cpu.exitSite = 9;
xe = t21;
break run;
}
ip = 15;
sp0 = r4;
const t22 = h.modeStamp(cpu);
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
cpu.eip = 820451;
h.vmiCall(V, 39);
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
V.inlined[35] += 1;
if (MEM.codeEpoch === ep && h.goesOnAfterTransfer(cpu, t22)) {
const t23 = cpu.eip | 0;
xt = t23;
pc = -1;
continue run;
}
cpu.exitSite = 10;
xe = cpu.eip;
break run;
}
case -1:
{
switch (xt) {
case 4096:
pc = 0;
continue run;
}
cpu.exitSite = 11;
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
