// add_cmp_jcc: 5 instructions, 3 blocks, 1262 bytes of source
// 1000 01 d8 add eax, ebx
// 1002 39 c8 cmp eax, ecx
// 1004 72 05 jb 0x100b
// 1006 ba 01 00 00 00 mov edx, 0x1
// 100b c3 ret
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
let t0, t1, t2, t3, t4, t5;
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
t2 = t0 + t1 | 0;
r0 = t2;
t3 = r0;
t4 = r1;
t5 = t3 - t4 | 0;
lop = 10;
lres = t5;
la = t3;
lb = t4;
lz = 2261;
if (t3 >>> 0 < t4 >>> 0) {
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
if (ic + 1 > lim) {
xl = 3;
break run;
}
ic += 1;
r2 = 1;
pc = 1;
continue run;
}
case -1:
{
switch (xt) {
case 4096:
pc = 0;
continue run;
case 4107:
pc = 1;
continue run;
case 4102:
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
R[0] = r0;
R[2] = r2;
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
