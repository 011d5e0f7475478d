; setcc and cmov after cmp; 16-bit operand size
  cmp eax, ebx
  setl dl
  cmovg eax, ebx
  add ax, bx
  mov [esi], ax
  ret
