bits 32
org 0x1000

      mov byte [patch + 1], 42
    patch:
      mov eax, 1
      mov ebx, eax
      jmp $
