bits 32
org 0x1000
shl eax, cl
 shr ebx, cl
 sar edx, cl
 rol esi, cl
 ror edi, 3
 rcl eax, cl
 shld eax, edx, cl
 shrd ebx, esi, 5
 jmp $
