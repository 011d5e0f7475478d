// vmi_indirect_tail: 7 instructions, 1 blocks, 1757 bytes of source
// 1000 ff 15 0e 10 00 00 call dword ptr [0x100e]
// 1006 89 c3 mov ebx, eax
// 1008 ff 25 12 10 00 00 jmp dword ptr [0x1012]
// 100e 20 83 0c 00 80 84 and byte ptr [ebx-0x7b7ffff4], al
// 1014 0c 00 or al, 0x0
// discover: 1 blocks
// 1000: 3 instructions to 1008
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
const i0 = cpu.instructions;
let ic = 0;
let ip = 0;
let sp0 = r4;
let xe = 0;
let xl = 0;
let smc = 0;
let xt = 0;
let vc21 = 0;
let vc32 = 0;
let t0, t1, t2, t3, t4, t5, t6, t7, t8, t9, t10, t11;
try {
run: for (; ; ) {
switch (pc) {
case 0:
{
if (ic + 7 > lim) {
xl = 1;
break run;
}
ic += 7;
ip = 0;
sp0 = r4;
t0 = tlb[1];
t1 = 0 ? m32[(t0 & -4096 | 14) >>> 2] : h.rdf(cpu, 3, 4110, 4, i0 + ic - (LEFT[ip] + 1));
t2 = r4 - 4 | 0;
t3 = tlb[t2 >>> 12];
if (t3 & 2 && !(t2 & 3)) {
m32[(t3 & -4096 | t2 & 4095) >>> 2] = 4102;
} else {
smc = h.wrf(cpu, 2, t2, 4, 4102, i0 + ic - (LEFT[ip] + 1)) !== ep;
}
r4 = t2;
if (!(t1 === 820000 && ((tlb[200] & -4063) === 819201 || h.fetchesFrom(cpu, 820000, 819200)))) {
ic -= 6;
cpu.exitSite = 0;
xe = t1;
break run;
}
ip = 1;
sp0 = r4;
t4 = cpu.cr2;
r1 = -559087591;
r2 = -559087591;
r0 = t4;
vc21 += 1;
ip = 2;
sp0 = r4;
t5 = tlb[r4 >>> 12];
if (!(t5 & 1 && !(r4 & 3))) {
t6 = h.rdf(cpu, 2, r4, 4, i0 + ic - (LEFT[ip] + 1));
if (t6 !== 4102) {
ic -= 4;
cpu.exitSite = 1;
xe = t6;
break run;
}
}
r4 = r4 + 4 | 0;
if (smc) {
ic -= 4;
xl = 2;
break run;
}
t7 = r0;
r3 = t7;
ip = 4;
sp0 = r4;
t8 = tlb[1];
t9 = 0 ? m32[(t8 & -4096 | 18) >>> 2] : h.rdf(cpu, 3, 4114, 4, i0 + ic - (LEFT[ip] + 1));
if (!(t9 === 820352 && ((tlb[200] & -4063) === 819201 || h.fetchesFrom(cpu, 820352, 819200)))) {
ic -= 2;
cpu.exitSite = 2;
xe = t9;
break run;
}
ip = 5;
sp0 = r4;
V.vif = !!0;
vc32 += 1;
ip = 6;
sp0 = r4;
t10 = tlb[r4 >>> 12];
t11 = t10 & 1 && !(r4 & 3) ? m32[(t10 & -4096 | r4 & 4095) >>> 2] : h.rdf(cpu, 2, r4, 4, i0 + ic - (LEFT[ip] + 1));
r4 = r4 + 4 | 0;
xt = t11;
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
cpu.exitSite = 3;
xe = xt;
break run;
}
}
}
ip = -1;
} finally {
V.inlined[21] += vc21;
V.inlined[32] += vc32;
R[0] = r0;
R[1] = r1;
R[2] = r2;
R[3] = r3;
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
