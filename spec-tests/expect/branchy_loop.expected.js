// branchy_loop: 10 instructions, 5 blocks, 2130 bytes of source
// 1000 31 c0 xor eax, eax
// 1002 31 d2 xor edx, edx
// 1004 b9 64 00 00 00 mov ecx, 0x64
// 1009 80 3c 0e 00 cmp byte ptr [esi+ecx], 0x0
// 100d 74 05 je 0x1014
// 100f 83 c2 01 add edx, 0x1
// 1012 01 c8 add eax, ecx
// 1014 83 e9 01 sub ecx, 0x1
// 1017 75 f0 jne 0x1009
// 1019 c3 ret
// discover: 5 blocks
// 1000: 3 instructions to 1004
// 1009: 2 instructions to 100d
// 1014: 2 instructions to 1017
// 100f: 2 instructions to 1012
// 1019: 1 instruction to 1019
return function translated(cpu, pc) {
const R = cpu.regs;
const tlb = cpu.mmu.tlb;
const m8 = MEM.u8;
const m32 = MEM.i32;
const ep = MEM.codeEpoch;
const lim = cpu.budget;
let r0 = R[0];
let r1 = R[1];
let r2 = R[2];
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
t1 = r0;
t2 = t0 ^ t1;
r0 = t2;
t3 = r2;
t4 = r2;
t5 = t3 ^ t4;
r2 = t5;
lop = 18;
lres = t5;
la = t3;
lb = 0;
lz = 2261;
r1 = 100;
}
case 1:
self: for (; ; ) {
if (ic + 2 > lim) {
xl = 2;
break run;
}
ic += 2;
ip = 3;
t0 = r6 + r1 | 0;
t1 = tlb[t0 >>> 12];
t2 = t1 & 1 ? m8[(t1 & -4096 | t0 & 4095) >>> 0] : h.rdf(cpu, 3, t0, 1, i0 + ic - 2);
t3 = t2 - 0 | 0;
t4 = t3 & 255;
lop = 8;
lres = t4;
la = t2;
lb = 0;
lz = 2261;
if (!t2) {
{
if (ic + 2 > lim) {
xl = 3;
break run;
}
ic += 2;
t0 = r1;
t1 = t0 - 1 | 0;
r1 = t1;
lop = 10;
lres = t1;
la = t0;
lb = 1;
lz = 2261;
if (t0 !== 1) {
continue self;
}
pc = 4;
continue run;
}
}
{
if (ic + 2 > lim) {
xl = 4;
break run;
}
ic += 2;
t0 = r2;
t1 = t0 + 1 | 0;
r2 = t1;
t2 = r0;
t3 = r1;
t4 = t2 + t3 | 0;
r0 = t4;
lop = 2;
lres = t4;
la = t2;
lb = t3;
lz = 2261;
{
if (ic + 2 > lim) {
xl = 3;
break run;
}
ic += 2;
t0 = r1;
t1 = t0 - 1 | 0;
r1 = t1;
lop = 10;
lres = t1;
la = t0;
lb = 1;
lz = 2261;
if (t0 !== 1) {
continue self;
}
pc = 4;
continue run;
}
}
}
case 2:
{
if (ic + 2 > lim) {
xl = 3;
break run;
}
ic += 2;
t0 = r1;
t1 = t0 - 1 | 0;
r1 = t1;
lop = 10;
lres = t1;
la = t0;
lb = 1;
lz = 2261;
if (t0 !== 1) {
pc = 1;
continue run;
}
pc = 4;
continue run;
}
case 3:
{
if (ic + 2 > lim) {
xl = 4;
break run;
}
ic += 2;
t0 = r2;
t1 = t0 + 1 | 0;
r2 = t1;
t2 = r0;
t3 = r1;
t4 = t2 + t3 | 0;
r0 = t4;
lop = 2;
lres = t4;
la = t2;
lb = t3;
lz = 2261;
pc = 2;
continue run;
}
case 4:
{
if (ic + 1 > lim) {
xl = 5;
break run;
}
ic += 1;
ip = 9;
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
case 4105:
pc = 1;
continue run;
case 4116:
pc = 2;
continue run;
case 4111:
pc = 3;
continue run;
case 4121:
pc = 4;
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
