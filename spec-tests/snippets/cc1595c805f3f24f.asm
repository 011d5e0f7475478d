bits 32
org 0x1000

      sti
    top:
      inc eax
      jmp top
