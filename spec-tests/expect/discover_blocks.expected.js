// discover_blocks: 10 instructions, 7 blocks
// 1000 b9 03 00 00 00 mov ecx, 0x3
// 1005 49 dec ecx
// 1006 75 fd jne 0x1005
// 1008 e8 07 00 00 00 call 0x1014
// 100d ff 24 85 24 10 00 00 jmp dword ptr [eax*4+0x1024]
// 1014 c3 ret
// 1015 bb 01 00 00 00 mov ebx, 0x1
// 101a c3 ret
// 101b bb 02 00 00 00 mov ebx, 0x2
// 1020 c3 ret
// 1021 90 nop
// 1022 90 nop
// 1023 90 nop
// 1024 15 10 00 00 1b adc eax, 0x1b000010
// 1029 10 00 adc byte ptr [eax], al
// 102b 00 00 add byte ptr [eax], al
// 102d 00 00 add byte ptr [eax], al
// 102f 00 (bad)
// discover: 7 blocks
// 1000: 1 instruction to 1000
// 1005: 2 instructions to 1006
// 1008: 1 instruction to 1008
// 1014: 1 instruction to 1014
// 100d: 1 instruction to 100d
// 1015: 2 instructions to 101a
// 101b: 2 instructions to 1020
return function translated(cpu) {
const R = cpu.regs;
const tlb = cpu.mmu.tlb;
const m8 = MEM.u8;
const m16 = MEM.u16;
const m32 = MEM.i32;
const ep = MEM.codeEpoch;
const lim = cpu.budget;
let r0 = R[0];
let r1 = R[1];
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
let pc = 0;
let xe = 0;
let xl = -1;
let smc = 0;
let xt = 0;
try {
run: for (; ; ) {
switch (pc) {
case 0:
{
ic += 1;
r1 = 3;
pc = 1;
continue run;
}
case 1:
self: for (; ; ) {
ic += 2;
const t0 = r1;
const t1 = t0 - 1 | 0;
r1 = t1;
if (lz & 1) {
fl = h.mat(fl, lz & 1, lop, lres, la, lb);
}
lop = 10;
lres = t1;
la = t0;
lb = 1;
lz = 2260;
const t2 = !(t0 === 1) ? 1 : 0;
if (t2) {
if (ic >= lim) {
xe = 4101;
xl = 0;
break run;
}
continue self;
}
pc = 2;
continue run;
}
case 2:
{
ic += 1;
ip = 3;
sp0 = r4;
const t3 = r4 - 4 | 0;
const t4 = tlb[t3 >>> 12];
if (t4 & 2 && (t3 & 3) === 0) {
m32[(t4 & -4096 | t3 & 4095) >>> 2] = 4109;
} else {
h.wr32(cpu, t3, 4109);
smc = MEM.codeEpoch !== ep;
}
r4 = t3;
pc = 3;
continue run;
if (smc) {
xe = 4109;
xl = 1;
break run;
}
}
case 3:
{
ic += 1;
ip = 4;
sp0 = r4;
const t5 = tlb[r4 >>> 12];
const t6 = t5 & 1 && (r4 & 3) === 0 ? m32[(t5 & -4096 | r4 & 4095) >>> 2] : h.rd32(cpu, r4);
r4 = r4 + 4 | 0;
xt = t6;
pc = -1;
continue run;
}
case 4:
{
ic += 1;
ip = 5;
const t7 = (r0 << 2) + 4132 | 0;
const t8 = tlb[t7 >>> 12];
const t9 = t8 & 1 && (t7 & 3) === 0 ? m32[(t8 & -4096 | t7 & 4095) >>> 2] : h.rd32(cpu, t7);
xt = t9;
pc = -1;
continue run;
}
case 5:
{
ic += 2;
r3 = 1;
ip = 7;
sp0 = r4;
const t10 = tlb[r4 >>> 12];
const t11 = t10 & 1 && (r4 & 3) === 0 ? m32[(t10 & -4096 | r4 & 4095) >>> 2] : h.rd32(cpu, r4);
r4 = r4 + 4 | 0;
xt = t11;
pc = -1;
continue run;
}
case 6:
{
ic += 2;
r3 = 2;
ip = 9;
sp0 = r4;
const t12 = tlb[r4 >>> 12];
const t13 = t12 & 1 && (r4 & 3) === 0 ? m32[(t12 & -4096 | r4 & 4095) >>> 2] : h.rd32(cpu, r4);
r4 = r4 + 4 | 0;
xt = t13;
pc = -1;
continue run;
}
case -1:
{
if (ic >= lim) {
cpu.exitSite = 0;
xe = xt;
xl = -1;
break run;
}
switch (xt) {
case 4096:
pc = 0;
continue run;
case 4101:
pc = 1;
continue run;
case 4104:
pc = 2;
continue run;
case 4116:
pc = 3;
continue run;
case 4109:
pc = 4;
continue run;
case 4117:
pc = 5;
continue run;
case 4123:
pc = 6;
continue run;
}
cpu.exitSite = 1;
xe = xt;
xl = -1;
break run;
}
}
}
} catch (ex) {
R[1] = r1;
R[3] = r3;
R[4] = r4;
cpu.eflags = fl;
cpu.lazy = lz;
cpu.lop = lop;
cpu.lres = lres;
cpu.la = la;
cpu.lb = lb;
if (SPX[ip]) {
R[4] = sp0;
}
cpu.eip = EIPS[ip];
cpu.instructions = i0 + ic - LEFT[ip];
throw ex;
}
R[1] = r1;
R[3] = r3;
R[4] = r4;
cpu.eflags = fl;
cpu.lazy = lz;
cpu.lop = lop;
cpu.lres = lres;
cpu.la = la;
cpu.lb = lb;
cpu.eip = xe;
cpu.instructions = i0 + ic;
return xl >= 0 ? L[xl] : undefined;
};
