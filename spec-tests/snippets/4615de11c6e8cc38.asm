bits 32
org 0x1000
mov eax, [ebx]
 mov [ebx+4], eax
 mov byte [ebx+1], al
 movsx ecx, word [ebx+6]
 xchg [ebx+8], edx
 lock xadd [ebx+12], ecx
 cmpxchg [ebx+16], esi
 jmp $
