bits 32
org 0x1000
mov ecx, 7
 xor edx, edx
 div ecx
 mul ecx
 imul ecx
 idiv ecx
 aam
 daa
 jmp $
