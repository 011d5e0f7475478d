// helpers: 4 instructions, 1 blocks, 1944 bytes of source
// 1000 31 d2 xor edx, edx
// 1002 f7 f1 div ecx
// 1004 f3 a5 rep movsd dword ptr es:[edi], dword ptr ds:[esi]
// 1006 c3 ret
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
let xt = 0;
let hx = 0;
let t0, t1, t2, t3, t4;
try {
run: for (; ; ) {
switch (pc) {
case 0:
{
if (ic + 4 > lim) {
xl = 1;
break run;
}
ic += 4;
t0 = r2;
t1 = r2;
t2 = t0 ^ t1;
r2 = t2;
lop = 18;
lres = t2;
la = t0;
lb = 0;
lz = 2261;
ip = 1;
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
cpu.instructions = i0 + ic - 3;
hx = 1;
cpu.eip = 4100;
h.exec(cpu, INS[1]);
hx = 0;
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
if (MEM.codeEpoch !== ep) {
ic -= 2;
xl = 2;
break run;
}
ip = 2;
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
cpu.instructions = i0 + ic - 2;
hx = 1;
cpu.eip = 4102;
h.exec(cpu, INS[2]);
hx = 0;
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
if (cpu.eip !== 4102) {
ic -= 1;
xe = cpu.eip;
break run;
}
if (MEM.codeEpoch !== ep) {
ic -= 1;
xl = 3;
break run;
}
ip = 3;
sp0 = r4;
t3 = tlb[r4 >>> 12];
t4 = t3 & 1 && !(r4 & 3) ? m32[(t3 & -4096 | r4 & 4095) >>> 2] : h.rdf(cpu, 2, r4, 4, i0 + ic - 1);
r4 = r4 + 4 | 0;
xt = t4;
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
cpu.exitSite = 0;
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
