bits 32
org 0x1000

      mov eax, -1
      add eax, 1
      shl ecx, 32
      setc dl
      jmp $
