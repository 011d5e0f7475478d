; inlined VMI calls, page tables: the entry's physical address through the TLB (the ROM's page walk behind it),
; 32-bit physical accesses through the RAM view on plain RAM; InvalPage and FlushTLB choose the queue or the TLB
; vmi: proposal
  mov eax, 0x5003
  mov edx, 0x8000
  call 0xc8000 + 45*32          ; SetPxE(value, pointer)
  mov eax, 0x8000
  call 0xc8000 + 46*32          ; GetPxE(pointer)
  mov eax, 0x6003
  mov edx, 0x8004
  call 0xc8000 + 47*32          ; SwapPxE(value, pointer)
  mov eax, 5
  mov edx, 0x8008
  call 0xc8000 + 51*32          ; TestAndSetPxEBit(bit, pointer)
  mov eax, 0x7003
  xor edx, edx
  mov ecx, 0x8010
  call 0xc8000 + 48*32          ; SetPxELong(low, high, pointer)
  mov eax, 0x400000
  call 0xc8000 + 55*32          ; InvalPage(address)
  mov eax, 1
  call 0xc8000 + 56*32          ; FlushTLB(flags)
  ret
