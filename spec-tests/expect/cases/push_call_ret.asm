; push/pop/call/ret: ESP kept for precise faults, the call continues in the region
; stages: discover
  push ebp
  mov ebp, esp
  call f
  pop ebp
  ret
f:
  mov eax, [esp+4]
  ret
