bits 32
org 0x1000

      nop
      nop
      nop
      rdtsc
      jmp $
