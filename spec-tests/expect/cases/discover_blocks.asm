; block discovery: a loop head inside the entry block is split off once, a
; call's return point and a jump table's entries become blocks
; stages: discover
  mov ecx, 3
.loop:
  dec ecx
  jnz .loop
  call .f
  jmp [.table + eax*4]
.f:
  ret
.a:
  mov ebx, 1
  ret
.b:
  mov ebx, 2
  ret
align 4
.table:
  dd .a, .b, 0
