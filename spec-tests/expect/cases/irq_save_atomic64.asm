; a kernel's local_irq_save and atomic64_read, inlined: pushf (the arithmetic flags computed from the
; lazy record in one call), cli (IOPL tested by a helper), cmpxchg8b (loads, the probing store of the
; high half, then both halves)
  add eax, ecx
  pushf
  pop edx
  cli
  mov ebx, eax
  mov ecx, edx
  lock cmpxchg8b [esi]
  ret
