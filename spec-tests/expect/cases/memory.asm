; loads and stores through the TLB fast path (aligned views, byte view, helper on a miss)
  mov eax, [ebx+8]
  mov [edi], eax
  mov byte [edi+1], 3
  movzx ecx, word [esi]
  ret
