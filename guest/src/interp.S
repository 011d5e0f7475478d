/* vmidbt guest: a bytecode interpreter with an indirect-branch dispatch loop,
 * assembled twice at fixed places so benchmarks can choose where the
 * dispatch loop sits:
 *   interp_run_a: dispatch at offset 0x100 of its page (one page)
 *   interp_run_b: dispatch at offset 0xFF8 of its page: the `jmp *table(,%eax,4)`
 *                 instruction straddles the 4 KiB boundary.
 * The section .text.interp is the first thing in the kernel's .text (page aligned).
 *
 * u32 interp_run_X(const u8 *code, u32 regs[8], u32 mem[256])  (cdecl)
 * Encoding (d, s register numbers 0..7):
 *   0 HALT                 -> returns regs[0]
 *   1 LI d imm32           2 ADD d s     3 XOR d s     4 MUL d s
 *   5 SHRI d k             6 SHLI d k    7 DEC d       8 JNZ d rel16 (from next insn)
 *   9 AND d s             10 LD d s  (d = mem[s & 255])
 *  11 ST d s  (mem[s & 255] = d)        12 ADDI d simm8   13 SUB d s
 */
    .section .text.interp, "ax"
    .code32

.macro INTERP X, DOFF
    .globl interp_run_\X, interp_dispatch_\X
interp_run_\X:
    pushl %ebp
    pushl %ebx
    pushl %esi
    pushl %edi
    movl 20(%esp), %esi
    movl 24(%esp), %edi
    movl 28(%esp), %ebx
    jmp interp_dispatch_\X
op_halt_\X:
    movl (%edi), %eax
    popl %edi
    popl %esi
    popl %ebx
    popl %ebp
    ret
op_li_\X:
    movzbl (%esi), %ecx
    movl 1(%esi), %edx
    movl %edx, (%edi,%ecx,4)
    addl $5, %esi
    jmp interp_dispatch_\X
op_add_\X:
    movzbl (%esi), %ecx
    movzbl 1(%esi), %edx
    movl (%edi,%edx,4), %edx
    addl %edx, (%edi,%ecx,4)
    addl $2, %esi
    jmp interp_dispatch_\X
op_xor_\X:
    movzbl (%esi), %ecx
    movzbl 1(%esi), %edx
    movl (%edi,%edx,4), %edx
    xorl %edx, (%edi,%ecx,4)
    addl $2, %esi
    jmp interp_dispatch_\X
op_mul_\X:
    movzbl (%esi), %ecx
    movzbl 1(%esi), %edx
    movl (%edi,%edx,4), %edx
    imull (%edi,%ecx,4), %edx
    movl %edx, (%edi,%ecx,4)
    addl $2, %esi
    jmp interp_dispatch_\X
op_shri_\X:
    movzbl (%esi), %edx
    movzbl 1(%esi), %ecx
    shrl %cl, (%edi,%edx,4)
    addl $2, %esi
    jmp interp_dispatch_\X
op_shli_\X:
    movzbl (%esi), %edx
    movzbl 1(%esi), %ecx
    shll %cl, (%edi,%edx,4)
    addl $2, %esi
    jmp interp_dispatch_\X
op_dec_\X:
    movzbl (%esi), %ecx
    decl (%edi,%ecx,4)
    incl %esi
    jmp interp_dispatch_\X
op_jnz_\X:
    movzbl (%esi), %ecx
    movswl 1(%esi), %edx
    addl $3, %esi
    cmpl $0, (%edi,%ecx,4)
    je interp_dispatch_\X
    addl %edx, %esi
    jmp interp_dispatch_\X
op_and_\X:
    movzbl (%esi), %ecx
    movzbl 1(%esi), %edx
    movl (%edi,%edx,4), %edx
    andl %edx, (%edi,%ecx,4)
    addl $2, %esi
    jmp interp_dispatch_\X
op_ld_\X:
    movzbl (%esi), %ecx
    movzbl 1(%esi), %edx
    movzbl (%edi,%edx,4), %edx
    movl (%ebx,%edx,4), %edx
    movl %edx, (%edi,%ecx,4)
    addl $2, %esi
    jmp interp_dispatch_\X
op_st_\X:
    movzbl (%esi), %ecx
    movzbl 1(%esi), %edx
    movzbl (%edi,%edx,4), %edx
    movl (%edi,%ecx,4), %ecx
    movl %ecx, (%ebx,%edx,4)
    addl $2, %esi
    jmp interp_dispatch_\X
op_addi_\X:
    movzbl (%esi), %ecx
    movsbl 1(%esi), %edx
    addl %edx, (%edi,%ecx,4)
    addl $2, %esi
    jmp interp_dispatch_\X
op_sub_\X:
    movzbl (%esi), %ecx
    movzbl 1(%esi), %edx
    movl (%edi,%edx,4), %edx
    subl %edx, (%edi,%ecx,4)
    addl $2, %esi
    jmp interp_dispatch_\X
op_bad_\X:
    ud2
    .balign 4
table_\X:
    .long op_halt_\X, op_li_\X, op_add_\X, op_xor_\X, op_mul_\X, op_shri_\X, op_shli_\X, op_dec_\X
    .long op_jnz_\X, op_and_\X, op_ld_\X, op_st_\X, op_addi_\X, op_sub_\X
    .rept 256 - 14
    .long op_bad_\X
    .endr
    .org \DOFF, 0xCC
interp_dispatch_\X:
    movzbl (%esi), %eax
    incl %esi
    jmp *table_\X(,%eax,4)
.endm

    .balign 4096
    INTERP a, 0x0800
    .org 0x1000, 0xCC
    INTERP b, 0x1FF8
    .org 0x3000, 0xCC
