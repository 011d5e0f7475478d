; a loop entered at its condition (the layout of a while loop that jumps to its test first, and of any
; loop a region starts inside): the body runs on into the test, a block of its own, so the body's block
; gets a copy of it and loops on itself; the test stays for the way in. The inc after the xor makes CF
; whole from the xor's record, known in the block: no host call
; stages: discover rotate
  mov ecx, 10
  jmp .test
.body:
  add eax, [esi]
  add esi, 4
  xor ebx, ebx
.test:
  inc ebx
  dec ecx
  jnz .body
  ret
