bits 32
org 0x1000

      push 0x102
      popfd
      nop
      nop
      jmp $
