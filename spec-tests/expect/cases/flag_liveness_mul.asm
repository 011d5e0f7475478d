; flag liveness for flags set one by one: imul's CF and OF are computed only where read
; stages: liveness
  imul eax, ebx
  add eax, ecx
  jz .zero
  imul edx, esi
  jo .zero
  mov ebx, 1
.zero:
  ret
