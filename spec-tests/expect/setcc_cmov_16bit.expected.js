// setcc_cmov_16bit: 6 instructions, 1 blocks, 1431 bytes of source
// 1000 39 d8 cmp eax, ebx
// 1002 0f 9c c2 setl dl
// 1005 0f 4f c3 cmovg eax, ebx
// 1008 66 01 d8 add ax, bx
// 100b 66 89 06 mov word ptr [esi], ax
// 100e c3 ret
return function translated(cpu, pc) {
const R = cpu.regs;
const tlb = cpu.mmu.tlb;
const m16 = MEM.u16;
const m32 = MEM.i32;
const ep = MEM.codeEpoch;
const lim = cpu.budget;
let r0 = R[0];
let r2 = R[2];
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
let smc = 0;
let xt = 0;
let t0, t1, t2, t3, t4, t5, t6, t7, t8, t9, t10, t11, t12, t13, t14;
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
t2 = t0 - t1 | 0;
lop = 10;
lres = t2;
la = t0;
lb = t1;
lz = 2261;
r2 = r2 & -256 | ((t0 | 0) < (t1 | 0) ? 1 : 0) & 255;
t3 = r3;
t4 = r0;
t5 = (t0 | 0) > (t1 | 0) ? t3 : t4;
r0 = t5;
t6 = r0 & 65535;
t7 = r3 & 65535;
t8 = t6 + t7 | 0;
t9 = t8 & 65535;
r0 = r0 & -65536 | t9 & 65535;
lop = 1;
lres = t9;
la = t6;
lb = t7;
lz = 2261;
ip = 4;
t10 = r0 & 65535;
t11 = r6 | 0;
t12 = tlb[t11 >>> 12];
if (t12 & 2 && !(t11 & 1)) {
m16[(t12 & -4096 | t11 & 4095) >>> 1] = t10;
} else {
smc = h.wrf(cpu, 3, t11, 2, t10, i0 + ic - 2) !== ep;
}
if (smc) {
ic -= 1;
xl = 2;
break run;
}
ip = 5;
sp0 = r4;
t13 = tlb[r4 >>> 12];
t14 = t13 & 1 && !(r4 & 3) ? m32[(t13 & -4096 | r4 & 4095) >>> 2] : h.rdf(cpu, 2, r4, 4, i0 + ic - 1);
r4 = r4 + 4 | 0;
xt = t14;
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
