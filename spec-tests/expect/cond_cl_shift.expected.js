// cond_cl_shift: 5 instructions, 3 blocks, 1362 bytes of source
// 1000 85 c0 test eax, eax
// 1002 74 02 je 0x1006
// 1004 d3 e3 shl ebx, cl
// 1006 0f 92 c2 setb dl
// 1009 c3 ret
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
if (ic + 2 > lim) {
xl = 1;
break run;
}
ic += 2;
t0 = r0;
t1 = r0;
t2 = t0 & t1;
lop = 18;
lres = t2;
la = t2;
lb = 0;
lz = 2261;
if (!t2) {
pc = 1;
continue run;
}
pc = 2;
continue run;
}
case 1:
{
if (ic + 2 > lim) {
xl = 2;
break run;
}
ic += 2;
t0 = h.cond(2, fl, lz, lop, lres, la, lb);
r2 = r2 & -256 | t0 & 255;
ip = 3;
sp0 = r4;
t1 = tlb[r4 >>> 12];
t2 = t1 & 1 && !(r4 & 3) ? m32[(t1 & -4096 | r4 & 4095) >>> 2] : h.rdf(cpu, 2, r4, 4, i0 + ic - 1);
r4 = r4 + 4 | 0;
xt = t2;
pc = -1;
continue run;
}
case 2:
{
if (ic + 1 > lim) {
xl = 3;
break run;
}
ic += 1;
t0 = r3;
t1 = r1 & 255;
t2 = t1 & 31;
t3 = t2 !== 0 ? 1 : 0;
if (t3) {
t4 = t0 << t2;
r3 = t4;
lop = 22;
lres = t4;
la = t0;
lb = t2;
lz = 2261;
}
pc = 1;
continue run;
}
case -1:
{
switch (xt) {
case 4096:
pc = 0;
continue run;
case 4102:
pc = 1;
continue run;
case 4100:
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
