// memory: 5 instructions, 1 blocks, 1388 bytes of source
// 1000 8b 43 08 mov eax, dword ptr [ebx+0x8]
// 1003 89 07 mov dword ptr [edi], eax
// 1005 c6 47 01 03 mov byte ptr [edi+0x1], 0x3
// 1009 0f b7 0e movzx ecx, word ptr [esi]
// 100c c3 ret
return function translated(cpu, pc) {
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
let r6 = R[6];
let r7 = R[7];
const i0 = cpu.instructions;
let ic = 0;
let ip = 0;
let sp0 = r4;
let xe = 0;
let xl = 0;
let smc = 0;
let xt = 0;
let t0, t1, t2, t3, t4, t5, t6, t7, t8, t9, t10, t11, t12;
try {
run: for (; ; ) {
switch (pc) {
case 0:
{
if (ic + 5 > lim) {
xl = 1;
break run;
}
ic += 5;
ip = 0;
t0 = r3 + 8 | 0;
t1 = tlb[t0 >>> 12];
t2 = t1 & 1 && !(t0 & 3) ? m32[(t1 & -4096 | t0 & 4095) >>> 2] : h.rdf(cpu, 3, t0, 4, i0 + ic - 5);
r0 = t2;
ip = 1;
t3 = r0;
t4 = r7 | 0;
t5 = tlb[t4 >>> 12];
if (t5 & 2 && !(t4 & 3)) {
m32[(t5 & -4096 | t4 & 4095) >>> 2] = t3;
} else {
smc = h.wrf(cpu, 3, t4, 4, t3, i0 + ic - 4) !== ep;
}
if (smc) {
ic -= 3;
xl = 2;
break run;
}
ip = 2;
t6 = r7 + 1 | 0;
t7 = tlb[t6 >>> 12];
if (t7 & 2) {
m8[(t7 & -4096 | t6 & 4095) >>> 0] = 3;
} else {
smc = h.wrf(cpu, 3, t6, 1, 3, i0 + ic - 3) !== ep;
}
if (smc) {
ic -= 2;
xl = 3;
break run;
}
ip = 3;
t8 = r6 | 0;
t9 = tlb[t8 >>> 12];
t10 = t9 & 1 && !(t8 & 1) ? m16[(t9 & -4096 | t8 & 4095) >>> 1] : h.rdf(cpu, 3, t8, 2, i0 + ic - 2);
r1 = t10;
ip = 4;
sp0 = r4;
t11 = tlb[r4 >>> 12];
t12 = t11 & 1 && !(r4 & 3) ? m32[(t11 & -4096 | r4 & 4095) >>> 2] : h.rdf(cpu, 2, r4, 4, i0 + ic - 1);
r4 = r4 + 4 | 0;
xt = t12;
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
R[0] = r0;
R[1] = r1;
R[4] = r4;
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
