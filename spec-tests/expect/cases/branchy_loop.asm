; a loop with a branch inside (a test, a conditional add, the latch): three blocks, none of which loops on
; itself; the header's case holds the other two and goes round as its own loop (`self`), so an iteration
; passes through no dispatch (emit/loops.ts); the exit after the loop stays a jump
; stages: discover
  xor eax, eax
  xor edx, edx
  mov ecx, 100
.top:
  cmp byte [esi+ecx], 0
  je .skip
  add edx, 1
  add eax, ecx
.skip:
  sub ecx, 1
  jne .top
  ret
