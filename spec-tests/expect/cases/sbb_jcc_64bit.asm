; a 64-bit unsigned compare (cmp low words, sbb high words, jb): the jb reads
; CF from sbb's operands, choosing sbb's or sub's formula by the carry-in
  cmp eax, ecx
  mov esi, edx
  sbb esi, ebx
  jb .below
  mov edi, 1
  ret
.below:
  adc edi, esi
  setc al
  ret
