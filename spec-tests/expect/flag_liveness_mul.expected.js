// flag_liveness_mul: 7 instructions, 4 blocks, 1599 bytes of source
// 1000 0f af c3 imul eax, ebx
// 1003 01 c8 add eax, ecx
// 1005 74 0a je 0x1011
// 1007 0f af d6 imul edx, esi
// 100a 70 05 jo 0x1011
// 100c bb 01 00 00 00 mov ebx, 0x1
// 1011 c3 ret
// liveness: flags live after each instruction
// 1000 imul eax, ebx -
// 1003 add eax, ecx CF PF AF ZF SF OF
// 1005 je 0x1011 CF PF AF ZF SF OF
// 1011 ret CF PF AF ZF SF OF
// 1007 imul edx, esi CF PF AF ZF SF OF
// 100a jo 0x1011 CF PF AF ZF SF OF
// 100c mov ebx, 0x1 CF PF AF ZF SF OF
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
let r6 = R[6];
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
let xt = 0;
let t0, t1, t2, t3, t4, t5, t6;
try {
run: for (; ; ) {
switch (pc) {
case 0:
{
if (ic + 3 > lim) {
xl = 1;
break run;
}
ic += 3;
t0 = r0;
t1 = r3;
t2 = Math.imul(t0, t1);
r0 = t2;
t3 = r0;
t4 = r1;
t5 = t3 + t4 | 0;
r0 = t5;
lop = 2;
lres = t5;
la = t3;
lb = t4;
lz = 2261;
if (!t5) {
pc = 1;
continue run;
}
pc = 2;
continue run;
}
case 1:
{
if (ic + 1 > lim) {
xl = 2;
break run;
}
ic += 1;
ip = 3;
sp0 = r4;
t0 = tlb[r4 >>> 12];
t1 = t0 & 1 && !(r4 & 3) ? m32[(t0 & -4096 | r4 & 4095) >>> 2] : h.rdf(cpu, 2, r4, 4, i0 + ic - 1);
r4 = r4 + 4 | 0;
xt = t1;
pc = -1;
continue run;
}
case 2:
{
if (ic + 2 > lim) {
xl = 3;
break run;
}
ic += 2;
t0 = r2;
t1 = r6;
t2 = Math.imul(t0, t1);
t3 = hp.mulhs(cpu, t0, t1);
t4 = t2 >> 31;
t5 = t3 !== t4 ? 1 : 0;
r2 = t2;
if (lz & 2049) fl = h.mat(fl, lz & 2049, lop, lres, la, lb);
lop = 18;
lres = t2;
la = t2;
lb = 0;
lz = 212;
fl = fl & -2 | t5 << 0;
fl = fl & -2049 | t5 << 11;
t6 = fl >> 11 & 1;
if (t6) {
pc = 1;
continue run;
}
}
case 3:
{
if (ic + 1 > lim) {
xl = 4;
break run;
}
ic += 1;
r3 = 1;
pc = 1;
continue run;
}
case -1:
{
switch (xt) {
case 4096:
pc = 0;
continue run;
case 4113:
pc = 1;
continue run;
case 4103:
pc = 2;
continue run;
case 4108:
pc = 3;
continue run;
}
cpu.exitSite = 0;
xe = xt;
break run;
}
}
}
ip = -1;
} finally {
R[0] = r0;
R[2] = r2;
R[3] = r3;
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
