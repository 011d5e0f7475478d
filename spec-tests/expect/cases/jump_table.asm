; a jump through a table of handlers (a compiled switch, a bytecode interpreter's dispatch): the jumping
; block picks its target block itself (emit/region.ts `selectBlock`), without going through the dispatch
; case; the `ret`s go through the dispatch case
; stages: discover
  mov ecx, 3
next:
  movzx eax, byte [esi]
  inc esi
  jmp [table + eax*4]
h0:
  add edx, 1
  dec ecx
  jnz next
  ret
h1:
  sub edx, 1
  dec ecx
  jnz next
  ret
table:
  dd h0, h1
