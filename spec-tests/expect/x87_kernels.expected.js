// x87_kernels: 10 instructions, 3 blocks, 1653 bytes of source
// 1000 dd 43 08 fld qword ptr [ebx+0x8]
// 1003 d9 c1 fld st(1)
// 1005 d8 ca fmul st(0), st(2)
// 1007 de c1 faddp st(1), st(0)
// 1009 d9 06 fld dword ptr [esi]
// 100b df f1 fcomip st(0), st(1)
// 100d dd 1b fstp qword ptr [ebx]
// 100f 73 02 jae 0x1013
// 1011 d9 c9 fxch st(1)
// 1013 c3 ret
return function translated(cpu, pc) {
const R = cpu.regs;
const tlb = cpu.mmu.tlb;
const m32 = MEM.i32;
const ep = MEM.codeEpoch;
const lim = cpu.budget;
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
let t0, t1, t2, t3, t4;
try {
run: for (; ; ) {
switch (pc) {
case 0:
{
if (ic + 8 > lim) {
xl = 1;
break run;
}
ic += 8;
ip = 0;
t0 = r3 + 8 | 0;
cpu.instructions = i0 + ic - 8;
h.x87Load(cpu, t0, 4096, 1347, 3, 4, 1);
ip = 1;
h.x87LoadReg(cpu, 0, 4099, 449, 1);
ip = 2;
h.x87ArithReg(cpu, 0, 4101, 202, 1, 0, 2, 0);
ip = 3;
h.x87ArithReg(cpu, 0, 4103, 1729, 0, 1, 0, 1);
ip = 4;
t1 = r6 | 0;
cpu.instructions = i0 + ic - 4;
h.x87Load(cpu, t1, 4105, 262, 3, 4, 0);
ip = 5;
t2 = h.x87CompareReg(cpu, 0, 4107, 2033, 1, 0, 1, 1);
fl = t2 < 0 ? h.mat(fl, lz, lop, lres, la, lb) : fl & -2262 | t2;
lz = 0;
ip = 6;
t3 = r3 | 0;
cpu.instructions = i0 + ic - 2;
h.x87Store(cpu, t3, 4109, 1307, 3, 4, 1, 1);
if (MEM.codeEpoch !== ep) {
ic -= 1;
xl = 2;
break run;
}
t4 = fl & 1 ^ 1;
if (t4) {
pc = 1;
continue run;
}
pc = 2;
continue run;
}
case 1:
{
if (ic + 1 > lim) {
xl = 3;
break run;
}
ic += 1;
ip = 8;
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
if (ic + 1 > lim) {
xl = 4;
break run;
}
ic += 1;
ip = 9;
h.x87Exchange(cpu, 0, 4113, 457, 1);
pc = 1;
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
case 4113:
pc = 2;
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
