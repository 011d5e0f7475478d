// setcc_cmov_16bit: 6 instructions, 1 blocks, 1458 bytes of source
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
let t0, t1, t2, t3, t4, t5, t6, t7, t8, t9, t10, t11, t12, t13, t14, t15, t16;
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
t3 = (t0 | 0) < (t1 | 0) ? 1 : 0;
r2 = r2 & -256 | t3 & 255;
t4 = r3;
t5 = (t0 | 0) > (t1 | 0) ? 1 : 0;
t6 = r0;
t7 = t5 ? t4 : t6;
r0 = t7;
t8 = r0 & 65535;
t9 = r3 & 65535;
t10 = t8 + t9 | 0;
t11 = t10 & 65535;
r0 = r0 & -65536 | t11 & 65535;
lop = 1;
lres = t11;
la = t8;
lb = t9;
lz = 2261;
ip = 4;
t12 = r0 & 65535;
t13 = r6 | 0;
t14 = tlb[t13 >>> 12];
if (t14 & 2 && !(t13 & 1)) {
m16[(t14 & -4096 | t13 & 4095) >>> 1] = t12;
} else {
smc = h.wrf(cpu, 3, t13, 2, t12, i0 + ic - 2) !== ep;
}
if (smc) {
ic -= 1;
xl = 2;
break run;
}
ip = 5;
sp0 = r4;
t15 = tlb[r4 >>> 12];
t16 = t15 & 1 && !(r4 & 3) ? m32[(t15 & -4096 | r4 & 4095) >>> 2] : h.rdf(cpu, 2, r4, 4, i0 + ic - 1);
r4 = r4 + 4 | 0;
xt = t16;
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
