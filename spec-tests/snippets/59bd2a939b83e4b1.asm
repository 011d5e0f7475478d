bits 32
org 0x1000

      mov ebx, 0x50010
      push eax
      mov edx, [ebx]
      jmp $
