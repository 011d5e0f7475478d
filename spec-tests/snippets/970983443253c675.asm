bits 32
org 0x1000
bt eax, ecx
 bts dword [ebx], 5
 bsf edx, eax
 bsr esi, eax
 bswap edi
 lahf
 sahf
 jmp $
