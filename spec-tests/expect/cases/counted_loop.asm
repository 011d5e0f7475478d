; a counted loop: the back-edge checks the instruction budget
; stages: discover
  mov ecx, 10
.top:
  add eax, [esi]
  add esi, 4
  dec ecx
  jnz .top
  ret
