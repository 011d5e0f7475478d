// jump_table: 12 instructions, 6 blocks, 2477 bytes of source
// 1000 b9 03 00 00 00 mov ecx, 0x3
// 1005 0f b6 06 movzx eax, byte ptr [esi]
// 1008 46 inc esi
// 1009 ff 24 85 1e 10 00 00 jmp dword ptr [eax*4+0x101e]
// 1010 83 c2 01 add edx, 0x1
// 1013 49 dec ecx
// 1014 75 ef jne 0x1005
// 1016 c3 ret
// 1017 83 ea 01 sub edx, 0x1
// 101a 49 dec ecx
// 101b 75 e8 jne 0x1005
// 101d c3 ret
// 101e 10 10 adc byte ptr [eax], dl
// 1020 00 00 add byte ptr [eax], al
// 1022 17 pop ss
// 1023 10 00 adc byte ptr [eax], al
// 1025 00 (bad)
// discover: 6 blocks
// 1000: 1 instruction to 1000
// 1005: 3 instructions to 1009
// 1010: 3 instructions to 1014
// 1017: 3 instructions to 101b
// 1016: 1 instruction to 1016
// 101d: 1 instruction to 101d
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
let t0, t1, t2, t3, t4, t5, t6, t7;
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
r1 = 3;
}
case 1:
{
if (ic + 3 > lim) {
xl = 2;
break run;
}
ic += 3;
ip = 1;
t0 = r6 | 0;
t1 = tlb[t0 >>> 12];
t2 = t1 & 1 ? m8[(t1 & -4096 | t0 & 4095) >>> 0] : h.rdf(cpu, 3, t0, 1, i0 + ic - 3);
r0 = t2;
t3 = r6;
t4 = t3 + 1 | 0;
r6 = t4;
if (lz & 1) fl = lop >> 2 === 2 ? fl & -2 | (la >>> 0 < lb >>> 0 ? 1 : 0) : lop >> 2 === 0 ? fl & -2 | (lres >>> 0 < la >>> 0 ? 1 : 0) : lop >> 2 === 4 ? fl & -2 | 0 : h.mat(fl, 1, lop, lres, la, lb);
lop = 2;
lres = t4;
la = t3;
lb = 1;
lz = 2260;
ip = 3;
t5 = (r0 << 2) + 4126 | 0;
t6 = tlb[t5 >>> 12];
t7 = t6 & 1 && !(t5 & 3) ? m32[(t6 & -4096 | t5 & 4095) >>> 2] : h.rdf(cpu, 3, t5, 4, i0 + ic - 1);
xt = t7;
{
switch (xt) {
case 4096:
pc = 0;
continue run;
case 4101:
pc = 1;
continue run;
case 4112:
pc = 2;
continue run;
case 4119:
pc = 3;
continue run;
case 4118:
pc = 4;
continue run;
case 4125:
pc = 5;
continue run;
}
cpu.exitSite = 0;
xe = xt;
break run;
}
}
case 2:
{
if (ic + 3 > lim) {
xl = 3;
break run;
}
ic += 3;
t0 = r2;
t1 = t0 + 1 | 0;
r2 = t1;
lop = 2;
lres = t1;
la = t0;
lb = 1;
lz = 2261;
t2 = r1;
t3 = t2 - 1 | 0;
r1 = t3;
fl = fl & -2 | (t1 >>> 0 < t0 >>> 0 ? 1 : 0);
lop = 10;
lres = t3;
la = t2;
lb = 1;
lz = 2260;
if (t2 !== 1) {
pc = 1;
continue run;
}
pc = 4;
continue run;
}
case 3:
{
if (ic + 3 > lim) {
xl = 4;
break run;
}
ic += 3;
t0 = r2;
t1 = t0 - 1 | 0;
r2 = t1;
lop = 10;
lres = t1;
la = t0;
lb = 1;
lz = 2261;
t2 = r1;
t3 = t2 - 1 | 0;
r1 = t3;
fl = fl & -2 | (t0 >>> 0 < 1 ? 1 : 0);
lop = 10;
lres = t3;
la = t2;
lb = 1;
lz = 2260;
if (t2 !== 1) {
pc = 1;
continue run;
}
pc = 5;
continue run;
}
case 4:
{
if (ic + 1 > lim) {
xl = 5;
break run;
}
ic += 1;
ip = 10;
sp0 = r4;
t0 = tlb[r4 >>> 12];
t1 = t0 & 1 && !(r4 & 3) ? m32[(t0 & -4096 | r4 & 4095) >>> 2] : h.rdf(cpu, 2, r4, 4, i0 + ic - 1);
r4 = r4 + 4 | 0;
xt = t1;
pc = -1;
continue run;
}
case 5:
{
if (ic + 1 > lim) {
xl = 6;
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
case 4101:
pc = 1;
continue run;
case 4112:
pc = 2;
continue run;
case 4119:
pc = 3;
continue run;
case 4118:
pc = 4;
continue run;
case 4125:
pc = 5;
continue run;
}
cpu.exitSite = 1;
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
