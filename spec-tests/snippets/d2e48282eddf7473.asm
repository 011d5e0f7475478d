bits 32
org 0x1000

  mov ecx, 1000
  xor eax, eax
top:
  add eax, ecx
  dec ecx
  jnz top
  jmp $
