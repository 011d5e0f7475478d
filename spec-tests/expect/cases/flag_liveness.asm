; flag liveness: only the last flag update before the jz is computed
; stages: liveness
  add eax, ebx
  sub eax, ecx
  xor eax, edx
  inc eax
  and eax, 7
  jz .zero
  mov ebx, 1
.zero:
  ret
