// push_call_ret: 7 instructions, 3 blocks, 1734 bytes of source
// 1000 55 push ebp
// 1001 89 e5 mov ebp, esp
// 1003 e8 02 00 00 00 call 0x100a
// 1008 5d pop ebp
// 1009 c3 ret
// 100a 8b 44 24 04 mov eax, dword ptr [esp+0x4]
// 100e c3 ret
// discover: 3 blocks
// 1000: 3 instructions to 1003
// 100a: 2 instructions to 100e
// 1008: 2 instructions to 1009
return function translated(cpu, pc) {
const R = cpu.regs;
const tlb = cpu.mmu.tlb;
const m32 = MEM.i32;
const ep = MEM.codeEpoch;
const lim = cpu.budget;
let r0 = R[0];
let r4 = R[4];
let r5 = R[5];
const i0 = cpu.instructions;
let ic = 0;
let ip = 0;
let sp0 = r4;
let xe = 0;
let xl = 0;
let smc = 0;
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
ip = 0;
sp0 = r4;
t0 = r5;
t1 = r4 - 4 | 0;
t2 = tlb[t1 >>> 12];
if (t2 & 2 && !(t1 & 3)) {
m32[(t2 & -4096 | t1 & 4095) >>> 2] = t0;
} else {
smc = h.wrf(cpu, 2, t1, 4, t0, i0 + ic - 3) !== ep;
}
r4 = t1;
if (smc) {
ic -= 2;
xl = 2;
break run;
}
t3 = r4;
r5 = t3;
ip = 2;
sp0 = r4;
t4 = r4 - 4 | 0;
t5 = tlb[t4 >>> 12];
if (t5 & 2 && !(t4 & 3)) {
m32[(t5 & -4096 | t4 & 4095) >>> 2] = 4104;
} else {
smc = h.wrf(cpu, 2, t4, 4, 4104, i0 + ic - 1) !== ep;
}
r4 = t4;
if (smc) {
xl = 3;
break run;
}
pc = 1;
continue run;
}
case 1:
{
if (ic + 2 > lim) {
xl = 3;
break run;
}
ic += 2;
ip = 3;
t0 = r4 + 4 | 0;
t1 = tlb[t0 >>> 12];
t2 = t1 & 1 && !(t0 & 3) ? m32[(t1 & -4096 | t0 & 4095) >>> 2] : h.rdf(cpu, 2, t0, 4, i0 + ic - 2);
r0 = t2;
ip = 4;
sp0 = r4;
t3 = tlb[r4 >>> 12];
t4 = t3 & 1 && !(r4 & 3) ? m32[(t3 & -4096 | r4 & 4095) >>> 2] : h.rdf(cpu, 2, r4, 4, i0 + ic - 1);
r4 = r4 + 4 | 0;
xt = t4;
{
switch (xt) {
case 4104:
pc = 2;
continue run;
}
pc = -1;
continue run;
}
}
case 2:
self: for (; ; ) {
if (ic + 2 > lim) {
xl = 4;
break run;
}
ic += 2;
ip = 5;
sp0 = r4;
t0 = tlb[r4 >>> 12];
t1 = t0 & 1 && !(r4 & 3) ? m32[(t0 & -4096 | r4 & 4095) >>> 2] : h.rdf(cpu, 2, r4, 4, i0 + ic - 2);
r4 = r4 + 4 | 0;
r5 = t1;
ip = 6;
sp0 = r4;
t2 = tlb[r4 >>> 12];
t3 = t2 & 1 && !(r4 & 3) ? m32[(t2 & -4096 | r4 & 4095) >>> 2] : h.rdf(cpu, 2, r4, 4, i0 + ic - 1);
r4 = r4 + 4 | 0;
xt = t3;
{
switch (xt) {
case 4104:
continue self;
}
pc = -1;
continue run;
}
}
case -1:
{
switch (xt) {
case 4096:
pc = 0;
continue run;
case 4106:
pc = 1;
continue run;
case 4104:
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
R[4] = r4;
R[5] = r5;
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
