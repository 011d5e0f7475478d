/* Host stand-in for the guest's kernel.h: just what guest/src/wl_cpu.c needs,
 * so the very same workload source builds for the host (x86-64) and the
 * benchmark can time it natively. */
#ifndef HOST_KERNEL_H
#define HOST_KERNEL_H
#include <stdint.h>
#include <stddef.h>
#include <string.h>
typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int32_t s32;
struct workload {
    const char *name;
    const char *group;
    u32 base_iters;
    u32 (*run)(u32 iters);
};
u32 crc32_update(u32 crc, const void *p, u32 n);
u32 interp_run_a(const u8 *code, u32 *regs, u32 *mem);
u32 interp_run_b(const u8 *code, u32 *regs, u32 *mem);
#endif
