; cmp/jcc fusion: the jb reads CF straight from the cmp operands
  add eax, ebx
  cmp eax, ecx
  jb .below
  mov edx, 1
.below:
  ret
