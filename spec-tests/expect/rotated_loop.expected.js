// rotated_loop: 12 instructions, 4 blocks, 1855 bytes of source
// 1000 b9 0a 00 00 00 mov ecx, 0xa
// 1005 eb 07 jmp 0x100e
// 1007 03 06 add eax, dword ptr [esi]
// 1009 83 c6 04 add esi, 0x4
// 100c 31 db xor ebx, ebx
// 100e 43 inc ebx
// 100f 49 dec ecx
// 1010 75 f5 jne 0x1007
// 1012 c3 ret
// discover: 4 blocks
// 1000: 2 instructions to 1005
// 100e: 3 instructions to 1010
// 1007: 3 instructions to 100c
// 1012: 1 instruction to 1012
// rotate: blocks after loop rotation
// 1000: 2 instructions to 1005
// 100e: 3 instructions to 1010
// 1007: 6 instructions to 1010
// 1012: 1 instruction to 1012
return function translated(cpu, pc) {
const R = cpu.regs;
const tlb = cpu.mmu.tlb;
const m32 = MEM.i32;
const ep = MEM.codeEpoch;
const lim = cpu.budget;
let r0 = R[0];
let r1 = R[1];
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
let t0, t1, t2, t3, t4, t5, t6, t7, t8, t9, t10, t11, t12, t13;
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
r1 = 10;
pc = 1;
continue run;
}
case 1:
{
if (ic + 3 > lim) {
xl = 2;
break run;
}
ic += 3;
t0 = r3;
t1 = t0 + 1 | 0;
r3 = t1;
t2 = r1;
t3 = t2 - 1 | 0;
r1 = t3;
if (lz & 1) fl = lop >> 2 === 2 ? fl & -2 | (la >>> 0 < lb >>> 0 ? 1 : 0) : lop >> 2 === 0 ? fl & -2 | (lres >>> 0 < la >>> 0 ? 1 : 0) : lop >> 2 === 4 ? fl & -2 | 0 : h.mat(fl, 1, lop, lres, la, lb);
lop = 10;
lres = t3;
la = t2;
lb = 1;
lz = 2260;
if (t2 !== 1) {
pc = 2;
continue run;
}
pc = 3;
continue run;
}
case 2:
self: for (; ; ) {
if (ic + 6 > lim) {
xl = 3;
break run;
}
ic += 6;
ip = 5;
t0 = r0;
t1 = r6 | 0;
t2 = tlb[t1 >>> 12];
t3 = t2 & 1 && !(t1 & 3) ? m32[(t2 & -4096 | t1 & 4095) >>> 2] : h.rdf(cpu, 3, t1, 4, i0 + ic - 6);
t4 = t0 + t3 | 0;
r0 = t4;
t5 = r6;
t6 = t5 + 4 | 0;
r6 = t6;
t7 = r3;
t8 = r3;
t9 = t7 ^ t8;
r3 = t9;
lop = 18;
lres = t9;
la = t7;
lb = 0;
lz = 2261;
t10 = r3;
t11 = t10 + 1 | 0;
r3 = t11;
t12 = r1;
t13 = t12 - 1 | 0;
r1 = t13;
fl = fl & -2;
lop = 10;
lres = t13;
la = t12;
lb = 1;
lz = 2260;
if (t12 !== 1) continue self;
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
case 4110:
pc = 1;
continue run;
case 4103:
pc = 2;
continue run;
case 4114:
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
R[1] = r1;
R[3] = r3;
R[4] = r4;
R[6] = r6;
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
