bits 32
org 0x1000

  top:
    inc eax
    jmp top
