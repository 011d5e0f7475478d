; inlined VMI calls, control registers and the kernel stack: GetCRn and SetCR2 read and write the CPU's fields;
; SetCR3 and UpdateKernelStack choose their queued or immediate effect from the deferred mode; after a possible
; CR3 load the ROM's ret must still be fetched from the ROM and the region's code still be mapped where it was
; vmi: proposal
  call 0xc8000 + 24*32          ; GetCR0
  call 0xc8000 + 25*32          ; GetCR2
  mov ebx, eax
  call 0xc8000 + 26*32          ; GetCR3
  call 0xc8000 + 27*32          ; GetCR4
  mov eax, ebx
  call 0xc8000 + 21*32          ; SetCR2
  mov eax, 0x9000
  call 0xc8000 + 22*32          ; SetCR3
  mov eax, 0x200
  mov edx, 0x7000
  call 0xc8000 + 19*32          ; UpdateKernelStack(tss, esp0)
  ret
