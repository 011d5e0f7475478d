; CPUID and the model-specific registers of each CPU model (run once per
; model). The expected values are the SDM's: the P6 MSR table ("MSRs in the
; P6 Family Processors"), the signatures and leaf 2 descriptors of each
; part, PAT from the Pentium III only, no IA32_MISC_ENABLE or EFER on P6
; parts, the Pentium Pro's missing sysenter; and the registers' firmware
; state (MTRRs enabled, write-back by default, 3-4 GiB uncached).
; vmidbt: cpu=vmidbt,pentiumpro,pentium2,pentium3
%include "lib.inc"

%macro RDMSR_IS 4                ; RDMSR_IS msr, eax, edx, check
    mov ecx, %1
    EXPECT %%gp
    rdmsr
    mov dword [resume_eip], 0
    CHECK eax, %2, %4
    CHECK edx, %3, %4
    jmp %%done
%%gp: mov eax, %4
    jmp fail
%%done:
%endmacro

%macro RDMSR_GP 2                ; RDMSR_GP msr, check: #GP(0)
    mov ecx, %1
    EXPECT %%gp
    rdmsr
    mov eax, %2
    jmp fail
%%gp: FAULTED 13, 0, %2
%endmacro

%macro WRMSR_GP 4                ; WRMSR_GP msr, eax, edx, check: #GP(0)
    mov ecx, %1
    mov eax, %2
    mov edx, %3
    EXPECT %%gp
    wrmsr
    mov eax, %4
    jmp fail
%%gp: FAULTED 13, 0, %4
%endmacro

%macro WRMSR_OK 4                ; WRMSR_OK msr, eax, edx, check: no fault
    mov ecx, %1
    mov eax, %2
    mov edx, %3
    EXPECT %%gp
    wrmsr
    mov dword [resume_eip], 0
    jmp %%done
%%gp: mov eax, %4
    jmp fail
%%done:
%endmacro

%macro CPUID_IS 6                ; CPUID_IS leaf, eax, ebx, ecx, edx, check
    mov eax, %1
    xor ecx, ecx
    cpuid
    CHECK eax, %2, %6
    CHECK ebx, %3, %6
    CHECK ecx, %4, %6
    CHECK edx, %5, %6
%endmacro

test_main:
    xor eax, eax
    cpuid
    CHECK ebx, 'Genu', 1
    CHECK edx, 'ineI', 1
    CHECK ecx, 'ntel', 1
    ; what every model has: APIC base (BSP, enabled), MTRRcap (8 variable, fixed, WC), MCG_CAP (5 banks, MCG_CTL),
    ; the firmware's MTRRs, the machine-check banks' rules, no MC0_MISC, nothing at an unknown address
    RDMSR_IS 0x1b, 0xfee00900, 0, 2
    RDMSR_IS 0xfe, 0x508, 0, 3
    RDMSR_IS 0x179, 0x105, 0, 4
    RDMSR_IS 0x2ff, 0xc06, 0, 5
    RDMSR_IS 0x250, 0x06060606, 0x06060606, 6
    RDMSR_IS 0x259, 0, 0, 7
    RDMSR_IS 0x268, 0x05050505, 0x05050505, 8
    RDMSR_IS 0x200, 0xc0000000, 0, 9
    RDMSR_IS 0x17, 0, 0, 10
    RDMSR_GP 0x403, 11
    WRMSR_GP 0x401, 1, 0, 12
    WRMSR_OK 0x401, 0, 0, 13
    WRMSR_GP 0x2ff, 0xc02, 0, 14  ; memory type 2 is reserved
    WRMSR_GP 0x2ff, 0x1c06, 0, 15 ; so is bit 12
    WRMSR_OK 0x2ff, 0xc00, 0, 16
    RDMSR_IS 0x2ff, 0xc00, 0, 16
    RDMSR_GP 0x12345, 17
    RDMSR_GP 0x3a, 18             ; IA32_FEATURE_CONTROL belongs to later parts
    WRMSR_OK 0x10, 0x100, 0x55, 19
    rdtsc
    CHECK edx, 0, 20              ; a P6 write clears the counter's high half
    mov eax, 1
    cpuid
    cmp eax, 0x633
    je vmidbt_model
    cmp eax, 0x612
    je pentium_pro
    cmp eax, 0x652
    je pentium_2
    cmp eax, 0x673
    je pentium_3
    mov eax, 21
    jmp fail

vmidbt_model:
    CPUID_IS 0, 1, 'Genu', 'ntel', 'ineI', 30
    mov eax, 1
    cpuid
    CHECK edx, 0x0001fbfd, 31    ; P6 features with MTRR, MCE, MCA, PAT; no VME, MMX, FXSR, SSE
    CHECK ecx, 0x80000000, 32    ; the hypervisor bit
    CPUID_IS 0x80000000, 0x80000008, 0, 0, 0, 33
    CPUID_IS 0x80000008, 0x2020, 0, 0, 0, 34
    RDMSR_IS 0x1a0, 0x1801, 0, 35           ; IA32_MISC_ENABLE, as QEMU's virtual CPUs answer it
    RDMSR_IS 0x277, 0x00070406, 0x00070406, 36
    WRMSR_GP 0x277, 0x00070402, 0x00070406, 37   ; PAT type 2 is reserved
    WRMSR_OK 0x277, 0x00070106, 0x00070406, 38
    RDMSR_IS 0x277, 0x00070106, 0x00070406, 38
    RDMSR_IS 0xc0000080, 0, 0, 39
    WRMSR_OK 0x174, 0x10, 0, 40
    RDMSR_IS 0x174, 0x10, 0, 40
    RDMSR_GP 0xc1, 41                       ; no performance counters
    RDMSR_GP 0x186, 42
    RDMSR_IS 0x201, 0xc0000800, 0, 43       ; 32 physical address bits
    WRMSR_GP 0x201, 0xc0000800, 1, 44
    PASS

pentium_pro:
    CPUID_IS 0, 2, 'Genu', 'ntel', 'ineI', 50
    CPUID_IS 1, 0x612, 0, 0, 0x0000fbfd, 51
    CPUID_IS 2, 0x03020101, 0, 0, 0x0a064204, 52
    CPUID_IS 0x80000000, 0x03020101, 0, 0, 0x0a064204, 53   ; no extended leaves: the highest basic leaf
    RDMSR_GP 0x174, 54                      ; no fast system calls
    EXPECT .ud
    sysenter
.ud: CHECK dword [last_vector], 6, 55
    call p6_common
    PASS

pentium_2:
    CPUID_IS 1, 0x652, 0, 0, 0x0000fbfd, 60
    CPUID_IS 2, 0x03020101, 0, 0, 0x0c040843, 61
    WRMSR_OK 0x174, 0x10, 0, 62
    RDMSR_IS 0x174, 0x10, 0, 62
    RDMSR_GP 0x277, 63                      ; PAT came with the Pentium III
    call p6_common
    PASS

pentium_3:
    CPUID_IS 1, 0x673, 0, 0, 0x0001fbfd, 70
    RDMSR_IS 0x277, 0x00070406, 0x00070406, 71
    call p6_common
    PASS

; what the P6 parts share: no MISC_ENABLE, no EFER, 36-bit MTRR masks, counters that hold what is written
p6_common:
    RDMSR_GP 0x1a0, 80
    RDMSR_GP 0xc0000080, 81
    RDMSR_IS 0x201, 0xc0000800, 0xf, 82
    WRMSR_GP 0x201, 0xc0000800, 0x1f, 83
    WRMSR_OK 0xc1, 0x80000000, 0, 84
    RDMSR_IS 0xc1, 0x80000000, 0xff, 85     ; 40 bits, sign-extended from bit 31
    WRMSR_OK 0x186, 0x12345678, 0, 86
    RDMSR_IS 0x186, 0x12345678, 0, 86
    mov ecx, 0
    rdpmc
    CHECK eax, 0x80000000, 87
    CHECK edx, 0xff, 87
    ret
