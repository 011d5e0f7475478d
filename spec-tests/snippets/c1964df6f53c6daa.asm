bits 32
org 0x1000
mov ecx, 100
.l: add eax, ecx
 imul edx, eax, 3
 dec ecx
 jnz .l
 jmp $
