bits 32
org 0x1000

      call fn
      mov esi, eax
      mov byte [fn + 1], 7
      call fn
      mov edi, eax
      jmp $
      times 0x3000 - 0x1000 - ($ - $$) nop
    fn:
      mov eax, 1
      ret
