// counted_loop: 6 instructions, 3 blocks, 1425 bytes of source
// 1000 b9 0a 00 00 00 mov ecx, 0xa
// 1005 03 06 add eax, dword ptr [esi]
// 1007 83 c6 04 add esi, 0x4
// 100a 49 dec ecx
// 100b 75 f8 jne 0x1005
// 100d c3 ret
// discover: 3 blocks
// 1000: 1 instruction to 1000
// 1005: 4 instructions to 100b
// 100d: 1 instruction to 100d
return function translated(cpu, pc) {
const R = cpu.regs;
const tlb = cpu.mmu.tlb;
const m32 = MEM.i32;
const ep = MEM.codeEpoch;
const lim = cpu.budget;
let r0 = R[0];
let r1 = R[1];
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
let t0, t1, t2, t3, t4, t5, t6, t7, t8;
try {
run: for (; ; ) {
switch (pc) {
case 0:
{
if (ic + 1 > lim) {
xl = 1;
break run;
}
ic += 1;
r1 = 10;
}
case 1:
self: for (; ; ) {
if (ic + 4 > lim) {
xl = 2;
break run;
}
ic += 4;
ip = 1;
t0 = r0;
t1 = r6 | 0;
t2 = tlb[t1 >>> 12];
t3 = t2 & 1 && !(t1 & 3) ? m32[(t2 & -4096 | t1 & 4095) >>> 2] : h.rdf(cpu, 3, t1, 4, i0 + ic - 4);
t4 = t0 + t3 | 0;
r0 = t4;
t5 = r6;
t6 = t5 + 4 | 0;
r6 = t6;
lop = 2;
lres = t6;
la = t5;
lb = 4;
lz = 2261;
t7 = r1;
t8 = t7 - 1 | 0;
r1 = t8;
fl = fl & -2 | (t6 >>> 0 < t5 >>> 0 ? 1 : 0);
lop = 10;
lres = t8;
la = t7;
lb = 1;
lz = 2260;
if (t7 !== 1) continue self;
pc = 2;
continue run;
}
case 2:
{
if (ic + 1 > lim) {
xl = 3;
break run;
}
ic += 1;
ip = 5;
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
case 4101:
pc = 1;
continue run;
case 4109:
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
R[1] = r1;
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
