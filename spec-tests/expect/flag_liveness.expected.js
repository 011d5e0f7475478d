// flag_liveness: 8 instructions, 3 blocks, 1359 bytes of source
// 1000 01 d8 add eax, ebx
// 1002 29 c8 sub eax, ecx
// 1004 31 d0 xor eax, edx
// 1006 40 inc eax
// 1007 83 e0 07 and eax, 0x7
// 100a 74 05 je 0x1011
// 100c bb 01 00 00 00 mov ebx, 0x1
// 1011 c3 ret
// liveness: flags live after each instruction
// 1000 add eax, ebx -
// 1002 sub eax, ecx -
// 1004 xor eax, edx -
// 1006 inc eax -
// 1007 and eax, 0x7 CF PF AF ZF SF OF
// 100a je 0x1011 CF PF AF ZF SF OF
// 1011 ret CF PF AF ZF SF OF
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
let t0, t1, t2, t3, t4, t5, t6, t7, t8, t9, t10, t11, t12;
try {
run: for (; ; ) {
switch (pc) {
case 0:
{
if (ic + 6 > lim) {
xl = 1;
break run;
}
ic += 6;
t0 = r0;
t1 = r3;
t2 = t0 + t1 | 0;
r0 = t2;
t3 = r0;
t4 = r1;
t5 = t3 - t4 | 0;
r0 = t5;
t6 = r0;
t7 = r2;
t8 = t6 ^ t7;
r0 = t8;
t9 = r0;
t10 = t9 + 1 | 0;
r0 = t10;
t11 = r0;
t12 = t11 & 7;
r0 = t12;
lop = 18;
lres = t12;
la = t11;
lb = 0;
lz = 2261;
if (!t12) {
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
ip = 6;
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
case 4108:
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
