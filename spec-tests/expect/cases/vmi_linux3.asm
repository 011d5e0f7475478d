; inlined VMI calls of Linux's API 3.0: the same shared calls under its numbers and conventions (SetPxE with a
; flags word, UpdateKernelStack with a stack selector and no TSS, SetLazyMode for SetDeferredMode)
; vmi: linux3
  mov eax, 1
  call 0xc8000 + 0x100 + 73*32  ; SetLazyMode(MMU)
  mov eax, 0x5003
  mov edx, 0x8000
  mov ecx, 1
  call 0xc8000 + 0x100 + 38*32  ; SetPxE(value, pointer, flags)
  mov eax, 0x10
  mov edx, 0x7000
  call 0xc8000 + 0x100 + 14*32  ; UpdateKernelStack(selector, esp0)
  xor eax, eax
  call 0xc8000 + 0x100 + 73*32  ; SetLazyMode(NONE)
  ret
