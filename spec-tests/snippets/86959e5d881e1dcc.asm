bits 32
org 0x1000
fninit
 fld1
 fldpi
 fmulp st1, st0
 fstp qword [ebx]
 fild dword [ebx+8]
 fsqrt
 fistp dword [ebx+12]
 fnstsw ax
 jmp $
