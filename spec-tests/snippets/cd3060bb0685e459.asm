bits 32
org 0x1000

      mov ecx, 20
    top:
      call f1
      call f2
      call f3
      call f4
      dec ecx
      jnz top
      jmp $
      times 0x3000 - 0x1000 - ($ - $$) nop
    f1: add eax, 1
        ret
      times 0x5000 - 0x1000 - ($ - $$) nop
    f2: add eax, 10
        ret
      times 0x7000 - 0x1000 - ($ - $$) nop
    f3: add eax, 100
        ret
      times 0x9000 - 0x1000 - ($ - $$) nop
    f4: add eax, 1000
        ret
