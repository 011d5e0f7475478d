; inlined VMI calls, virtual IF: each is the call's description with the ROM's clobber rules (flags only:
; EAX, ECX, EDX kept); enabling checks for a deliverable interrupt and leaves at the slot's ret to take it
; vmi: proposal
; stages: discover
  call 0xc8000 + 36*32          ; DisableInterrupts
  call 0xc8000 + 37*32          ; GetInterruptMask
  mov ebx, eax
  mov eax, 0x200
  call 0xc8000 + 38*32          ; SetInterruptMask
  call 0xc8000 + 35*32          ; EnableInterrupts
  mov eax, ebx
  ret
