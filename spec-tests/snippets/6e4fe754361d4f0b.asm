bits 32
org 0x1000

      mov ecx, 50
    top:
      times 500 inc eax
      dec ecx
      jnz top
      jmp $
