; Paging: not-present and protection faults with the right CR2 and error
; code, CR0.WP, accessed and dirty bits, INVLPG, 4 MiB pages.
%include "lib.inc"

PD   equ 0x100000
PT   equ 0x101000
NP_PAGE  equ 0x200000         ; not present
RO_PAGE  equ 0x201000         ; read-only
AD_PAGE  equ 0x204000         ; for accessed/dirty
INV_PAGE equ 0x205000         ; for invlpg

%macro FAULTS 3
    CHECK dword [last_vector], 14, %3
    CHECK dword [last_error], %2, %3 + 100
    CHECK dword [last_cr2], %1, %3 + 200
%endmacro

test_main:
    ; identity-map 0-4 MiB with 4 KiB pages, and 4-8 MiB with one 4 MiB page
    xor ecx, ecx
.fill:
    mov eax, ecx
    shl eax, 12
    or eax, 3                       ; present, writable, supervisor
    mov [PT + ecx*4], eax
    inc ecx
    cmp ecx, 1024
    jb .fill
    mov dword [PT + (NP_PAGE >> 12)*4], 0
    mov dword [PT + (RO_PAGE >> 12)*4], RO_PAGE | 1
    mov dword [PD], PT | 7
    mov dword [PD + 4], 0x400000 | 0x83   ; 4 MiB page (PS), writable
    mov eax, cr4
    or eax, 0x10                    ; PSE
    mov cr4, eax
    mov eax, PD
    mov cr3, eax
    mov eax, cr0
    or eax, 0x80000000
    mov cr0, eax

    ; not present: read then write
    EXPECT .t1
    mov eax, [NP_PAGE + 0x10]
.t1:
    FAULTS NP_PAGE + 0x10, 0, 1
    EXPECT .t2
    mov dword [NP_PAGE + 0x20], 1
.t2:
    FAULTS NP_PAGE + 0x20, 2, 2
    ; read-only page: supervisor writes succeed while CR0.WP is clear
    mov dword [RO_PAGE], 0x5555
    CHECK dword [RO_PAGE], 0x5555, 3
    mov eax, cr0
    or eax, 0x10000                 ; WP
    mov cr0, eax
    EXPECT .t4
    mov dword [RO_PAGE + 4], 1
.t4:
    FAULTS RO_PAGE + 4, 3, 4
    ; accessed and dirty bits
    mov eax, [PT + (AD_PAGE >> 12)*4]
    and eax, 0x60
    CHECK eax, 0, 5
    mov eax, [AD_PAGE]
    mov eax, [PT + (AD_PAGE >> 12)*4]
    and eax, 0x60
    CHECK eax, 0x20, 6              ; accessed, not dirty
    mov dword [AD_PAGE], 7
    mov eax, [PT + (AD_PAGE >> 12)*4]
    and eax, 0x60
    CHECK eax, 0x60, 7              ; accessed and dirty
    test dword [PD], 0x20
    jnz .pde_accessed
    mov eax, 8
    jmp fail
.pde_accessed:
    ; INVLPG makes a changed entry take effect
    mov eax, [INV_PAGE]
    mov dword [PT + (INV_PAGE >> 12)*4], 0
    invlpg [INV_PAGE]
    EXPECT .t9
    mov eax, [INV_PAGE]
.t9:
    FAULTS INV_PAGE, 0, 9
    ; a 4 MiB page maps 0x400000.. to itself, and its dirty bit is set on write
    mov dword [0x400123], 0x600d
    CHECK dword [0x400123], 0x600d, 10
    mov eax, [PD + 4]
    and eax, 0x60
    CHECK eax, 0x60, 11
    ; reloading CR3 drops cached (non-global) translations
    mov dword [PT + (AD_PAGE >> 12)*4], 0
    mov eax, cr3
    mov cr3, eax
    EXPECT .t12
    mov eax, [AD_PAGE]
.t12:
    FAULTS AD_PAGE, 0, 12
    PASS
