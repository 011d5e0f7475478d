bits 32
org 0x1000
mov ecx, 8
 rep movsd
 mov ecx, 4
 rep stosb
 lodsw
 mov ecx, 3
 repe cmpsb
 scasd
 jmp $
