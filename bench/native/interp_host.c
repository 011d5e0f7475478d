/* The guest's bytecode interpreter (guest/src/interp.S is i386 assembly) in C
 * for the host, with the same encoding and an indirect-branch dispatch
 * (computed goto), so the native baseline does the same work. */
#include "kernel.h"

static u32 run(const u8 *pc, u32 *r, u32 *mem) {
    static void *const ops[] = { &&halt, &&li, &&add, &&xor_, &&mul, &&shri, &&shli, &&dec, &&jnz, &&and_, &&ld, &&st, &&addi, &&sub };
#define NEXT goto *ops[*pc++]
    NEXT;
halt: return r[0];
li:   r[pc[0]] = (u32)pc[1] | (u32)pc[2] << 8 | (u32)pc[3] << 16 | (u32)pc[4] << 24; pc += 5; NEXT;
add:  r[pc[0]] += r[pc[1]]; pc += 2; NEXT;
xor_: r[pc[0]] ^= r[pc[1]]; pc += 2; NEXT;
mul:  r[pc[0]] *= r[pc[1]]; pc += 2; NEXT;
shri: r[pc[0]] >>= pc[1]; pc += 2; NEXT;
shli: r[pc[0]] <<= pc[1]; pc += 2; NEXT;
dec:  r[pc[0]]--; pc += 1; NEXT;
jnz:  { u32 d = pc[0]; int16_t rel = (int16_t)(pc[1] | pc[2] << 8); pc += 3; if (r[d]) pc += rel; } NEXT;
and_: r[pc[0]] &= r[pc[1]]; pc += 2; NEXT;
ld:   r[pc[0]] = mem[r[pc[1]] & 255]; pc += 2; NEXT;
st:   mem[r[pc[1]] & 255] = r[pc[0]]; pc += 2; NEXT;
addi: r[pc[0]] += (u32)(int32_t)(int8_t)pc[1]; pc += 2; NEXT;
sub:  r[pc[0]] -= r[pc[1]]; pc += 2; NEXT;
#undef NEXT
}

u32 interp_run_a(const u8 *code, u32 *regs, u32 *mem) { return run(code, regs, mem); }
u32 interp_run_b(const u8 *code, u32 *regs, u32 *mem) { return run(code, regs, mem); }
