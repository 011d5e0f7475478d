/* vmidbt guest: Multiboot entry, boot paging, trap entry/exit, context switch,
   and the real-mode AP trampoline. */
#define KV 0xC0000000
#define MB_MAGIC 0x1BADB002
#define MB_FLAGS 0x00000003          /* page-align modules, want memory map */

    .section .multiboot, "a"
    .align 4
    .long MB_MAGIC
    .long MB_FLAGS
    .long -(MB_MAGIC + MB_FLAGS)

/* ---------- 32-bit entry at the physical load address, paging off ---------- */
    .section .boot.text, "ax"
    .code32
    .globl _start
_start:
    cli
    cld
    movl %eax, %esi                  /* multiboot magic */
    movl %ebx, %ebp                  /* multiboot info (physical) */
    lgdt (boot_gdt_desc - KV)
    ljmp $0x08, $1f
1:  movw $0x10, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %ss
    movw %ax, %fs
    movw %ax, %gs
    /* zero .bss (the loader may not have) */
    movl $(__bss_start - KV), %edi
    movl $(__bss_end - KV), %ecx
    subl %edi, %ecx
    xorl %eax, %eax
    rep stosb
    movl %esi, (mb_magic - KV)
    movl %ebp, (mb_info - KV)
    /* 4 page tables: physical 0..16 MiB */
    movl $(boot_pt - KV), %edi
    movl $0x003, %eax
    movl $4096, %ecx
2:  stosl
    addl $0x1000, %eax
    loop 2b
    /* page directory: identity and at 0xC0000000 */
    movl $(boot_pd - KV), %edi
    movl $(boot_pt - KV + 0x003), %eax
    xorl %ecx, %ecx
3:  movl %eax, (%edi,%ecx,4)
    movl %eax, 768*4(%edi,%ecx,4)
    addl $0x1000, %eax
    incl %ecx
    cmpl $4, %ecx
    jne 3b
    movl $(boot_pd - KV), %eax
    movl %eax, %cr3
    movl %cr0, %eax
    orl $0x80010000, %eax            /* PG | WP */
    movl %eax, %cr0
    movl $boot_stack_top, %esp
    xorl %ebp, %ebp
    movl $kmain, %eax
    jmp *%eax

/* void pae_enable(u32 pdpt_phys): switch from 2-level paging to PAE. Runs
   here, identity mapped in both the old and the new tables, with paging
   briefly off (native mode only). */
    .globl pae_enable
pae_enable:
    movl 4(%esp), %ecx
    movl %cr0, %eax
    andl $0x7FFFFFFF, %eax
    movl %eax, %cr0                  /* paging off: no stack access until it is back on */
    movl %cr4, %eax
    orl $0x20, %eax                  /* CR4.PAE */
    movl %eax, %cr4
    movl %ecx, %cr3
    movl %cr0, %eax
    orl $0x80000000, %eax
    movl %eax, %cr0
    ret

    .section .data
    .align 16
    .globl boot_gdt
boot_gdt:
    .quad 0
    .quad 0x00CF9A000000FFFF         /* 0x08 flat code */
    .quad 0x00CF92000000FFFF         /* 0x10 flat data */
boot_gdt_desc:
    .word 23
    .long boot_gdt - KV
    .globl mb_magic, mb_info
mb_magic: .long 0
mb_info:  .long 0

    .section .bss
    .align 4096
    .globl boot_pd, boot_pt
boot_pd: .space 4096
boot_pt: .space 4 * 4096
    .globl boot_stack, boot_stack_top
boot_stack: .space 16384
boot_stack_top:

/* ---------- traps ---------- */
    .text
    .code32
.macro VEC n
    .align 4
vec\n:
    .if (\n == 8) || (\n == 10) || (\n == 11) || (\n == 12) || (\n == 13) || (\n == 14) || (\n == 17)
    .else
    pushl $0
    .endif
    pushl $\n
    jmp alltraps
.endm
    .globl vectors_start
vectors_start:
    .altmacro
    .set i, 0
    .rept 256
    VEC %i
    .set i, i+1
    .endr

    .section .rodata
    .align 4
    .globl vectors
vectors:
.macro VECADDR n
    .long vec\n
.endm
    .set i, 0
    .rept 256
    VECADDR %i
    .set i, i+1
    .endr
    .noaltmacro

    .text
alltraps:
    pushl %ds
    pushl %es
    pushl %fs
    pushl %gs
    pushal
    cld
    movl %cs:kernel_ds_sel, %eax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %fs
    movw %ax, %gs
    pushl %esp
    call trap
    addl $4, %esp
    .globl trapret
trapret:
    popal
    popl %gs
    popl %fs
    popl %es
    popl %ds
    addl $8, %esp                    /* trapno, error code */
    cmpl $0, %cs:vmi_iret_addr
    jne 1f
    iret
1:  jmp *%cs:vmi_iret_addr              /* VMI IRET: the stack is the IRET frame */

/* SYSENTER lands here with ESP = IA32_SYSENTER_ESP = &sysenter_slot[cpu],
   a word holding the current process's kernel stack top. Build the same
   frame as int 0x80 (user EIP = EDX, user ESP = ECX) and leave through the
   common IRET path. Only EAX (number) and EBX (first argument) are passed. */
    .globl sysenter_entry
sysenter_entry:
    movl (%esp), %esp
    pushl $0x23                      /* user SS */
    pushl %ecx                       /* user ESP */
    pushfl
    orl $0x200, (%esp)               /* user code always runs with IF set */
    pushl $0x1B                      /* user CS */
    pushl %edx                       /* user EIP */
    pushl $0
    pushl $0x80
    jmp alltraps

/* void swtch(struct context **old, struct context *new) */
    .globl swtch
swtch:
    movl 4(%esp), %eax
    movl 8(%esp), %edx
    pushl %ebp
    pushl %ebx
    pushl %esi
    pushl %edi
    movl %esp, (%eax)
    movl %edx, %esp
    popl %edi
    popl %esi
    popl %ebx
    popl %ebp
    ret

/* load the kernel selectors (RPL = kernel_rpl) after a GDT change */
    .globl reload_segments
reload_segments:
    movl kernel_ds_sel, %eax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %fs
    movw %ax, %gs
    movw %ax, %ss
    popl %eax                        /* return address */
    pushl kernel_cs_sel
    pushl %eax
    lret

    .data
    .globl kernel_cs_sel, kernel_ds_sel
kernel_cs_sel: .long 0x08
kernel_ds_sel: .long 0x10

/* ---------- AP entry points ---------- */
    .text
    .globl ap_entry_pv
ap_entry_pv:                          /* paravirtual: state from SetInitialAPState */
    xorl %ebp, %ebp
    call ap_main
4:  jmp 4b

/* ---------- real-mode trampoline, copied to TRAMP_PHYS (0x8000) ---------- */
#define TRAMP 0x8000
#define T(x) ((x) - tramp_start + TRAMP)
    .section .rodata
    .globl tramp_start, tramp_end, tramp_cr3, tramp_cr4, tramp_stack, tramp_entry
    .align 16
tramp_start:
    .code16
    cli
    cld
    xorw %ax, %ax
    movw %ax, %ds
    lgdtl T(tramp_gdt_desc)
    movl %cr0, %eax
    orl $1, %eax
    movl %eax, %cr0
    ljmpl $0x08, $T(tramp32)
    .code32
tramp32:
    movw $0x10, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %ss
    movw %ax, %fs
    movw %ax, %gs
    movl T(tramp_cr4), %eax
    movl %eax, %cr4
    movl T(tramp_cr3), %eax
    movl %eax, %cr3
    movl %cr0, %eax
    orl $0x80010000, %eax
    movl %eax, %cr0
    movl T(tramp_stack), %esp
    movl T(tramp_entry), %eax
    xorl %ebp, %ebp
    jmp *%eax
    .align 8
tramp_gdt:
    .quad 0
    .quad 0x00CF9A000000FFFF
    .quad 0x00CF92000000FFFF
tramp_gdt_desc:
    .word 23
    .long T(tramp_gdt)
tramp_cr3:   .long 0
tramp_cr4:   .long 0
tramp_stack: .long 0
tramp_entry: .long 0
tramp_end:
