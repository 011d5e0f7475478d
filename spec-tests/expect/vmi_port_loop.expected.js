// vmi_port_loop: 12 instructions, 4 blocks, 2385 bytes of source
// 1000 bf 64 00 00 00 mov edi, 0x64
// 1005 eb 0c jmp 0x1013
// 1007 31 c0 xor eax, eax
// 1009 ba 80 00 00 00 mov edx, 0x80
// 100e e8 2d 78 0c 00 call 0xc8840
// 1013 4f dec edi
// 1014 75 f1 jne 0x1007
// 1016 c3 ret
// discover: 4 blocks
// 1000: 2 instructions to 1005
// 1013: 2 instructions to 1014
// 1007: 3 instructions to 100e
// 1016: 1 instruction to 1016
// rotate: blocks after loop rotation
// 1000: 2 instructions to 1005
// 1013: 2 instructions to 1014
// 1007: 5 instructions to 1014
// 1016: 1 instruction to 1016
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
let vc70 = 0;
let t0, t1, t2, t3, t4, t5, t6, t7, t8, t9, t10;
try {
run: for (; ; ) {
switch (pc) {
case 0:
{
if (ic + 2 > lim) {
xl = 1;
break run;
}
ic += 2;
r7 = 100;
pc = 1;
continue run;
}
case 1:
{
if (ic + 2 > lim) {
xl = 2;
break run;
}
ic += 2;
t0 = r7;
t1 = t0 - 1 | 0;
r7 = t1;
if (lz & 1) fl = lop >> 2 === 2 ? fl & -2 | (la >>> 0 < lb >>> 0 ? 1 : 0) : lop >> 2 === 0 ? fl & -2 | (lres >>> 0 < la >>> 0 ? 1 : 0) : lop >> 2 === 4 ? fl & -2 | 0 : h.mat(fl, 1, lop, lres, la, lb);
lop = 10;
lres = t1;
la = t0;
lb = 1;
lz = 2260;
if (t0 !== 1) {
pc = 2;
continue run;
}
pc = 3;
continue run;
}
case 2:
self: for (; ; ) {
if (ic + 7 > lim) {
xl = 3;
break run;
}
ic += 7;
t0 = r0;
t1 = r0;
t2 = t0 ^ t1;
r0 = t2;
lop = 18;
lres = t2;
la = t0;
lb = 0;
lz = 2261;
r2 = 128;
ip = 6;
sp0 = r4;
t3 = r4 - 4 | 0;
t4 = tlb[t3 >>> 12];
if (t4 & 2 && !(t3 & 3)) {
m32[(t4 & -4096 | t3 & 4095) >>> 2] = 4115;
} else {
smc = h.wrf(cpu, 2, t3, 4, 4115, i0 + ic - (LEFT[ip] + 1)) !== ep;
}
r4 = t3;
if (!((tlb[200] & -4063) === 819201 || h.fetchesFrom(cpu, 821312, 819200))) {
ic -= 4;
cpu.exitSite = 0;
xe = 821312;
break run;
}
ip = 7;
sp0 = r4;
t5 = r0;
t6 = r2;
cpu.instructions = i0 + ic - 4;
VX.portWrite(V, t6, 1, t5);
smc = MEM.codeEpoch !== ep;
r1 = -559087550;
r2 = -559087550;
r0 = -559087550;
vc70 += 1;
if (MEM.codeEpoch !== ep && h.vmiLeave(V)) {
ic -= 3;
cpu.exitSite = 1;
xe = 821315;
break run;
}
ip = 8;
sp0 = r4;
t7 = tlb[r4 >>> 12];
if (MEM.codeEpoch !== ep || !(t7 & 1 && !(r4 & 3))) {
t8 = h.rdf(cpu, 2, r4, 4, i0 + ic - (LEFT[ip] + 1));
if (t8 !== 4115) {
ic -= 2;
cpu.exitSite = 2;
xe = t8;
break run;
}
}
r4 = r4 + 4 | 0;
if (smc) {
ic -= 2;
xl = 2;
break run;
}
t9 = r7;
t10 = t9 - 1 | 0;
r7 = t10;
fl = fl & -2;
lop = 10;
lres = t10;
la = t9;
lb = 1;
lz = 2260;
if (t9 !== 1) continue self;
pc = 3;
continue run;
}
case 3:
{
if (ic + 1 > lim) {
xl = 4;
break run;
}
ic += 1;
ip = 11;
sp0 = r4;
t0 = tlb[r4 >>> 12];
t1 = t0 & 1 && !(r4 & 3) ? m32[(t0 & -4096 | r4 & 4095) >>> 2] : h.rdf(cpu, 2, r4, 4, i0 + ic - 1);
r4 = r4 + 4 | 0;
xt = t1;
pc = -1;
continue run;
}
case -1:
{
switch (xt) {
case 4096:
pc = 0;
continue run;
case 4115:
pc = 1;
continue run;
case 4103:
pc = 2;
continue run;
case 4118:
pc = 3;
continue run;
}
cpu.exitSite = 3;
xe = xt;
break run;
}
}
}
ip = -1;
} finally {
V.inlined[70] += vc70;
R[0] = r0;
R[1] = r1;
R[2] = r2;
R[4] = r4;
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
