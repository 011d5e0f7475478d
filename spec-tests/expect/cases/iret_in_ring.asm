; a native iret: a helper row whose common case (a 32-bit return within the ring, semantics/families/far.ts
; iretInRing) is emitted in place; where it does not apply, the helper runs and the region goes on only if
; the mode stayed as it was
; stages: discover
top:
  pushfd
  push cs
  push back
  iretd
back:
  dec ecx
  jnz top
  ret
