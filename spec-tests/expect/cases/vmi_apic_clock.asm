; inlined VMI calls that reach the APIC and the clock: each effect is the ROM's own function, called with the
; retired-instruction count brought up to date first; an APIC write may let an interrupt through
; vmi: proposal
  mov eax, 0xfee00020
  call 0xc8000 + 77*32          ; APICRead(ID)
  mov eax, 0xfee000b0
  xor edx, edx
  call 0xc8000 + 76*32          ; APICWrite(EOI, 0)
  xor eax, eax
  call 0xc8000 + 80*32          ; GetCycleCounter(real)
  call 0xc8000 + 78*32          ; IODelay
  ret
