bits 32
org 0x1000

      times 0xff0 nop
      mov ecx, 300
    top:
      add eax, ecx
      xor edx, eax
      times 16 inc ebx
      dec ecx
      jnz top
      jmp $
