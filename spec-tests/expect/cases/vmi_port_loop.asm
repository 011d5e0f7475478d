; vmibench's paravirtual port loop, entered at its test: the body (an inlined OUTB) runs on into the
; test, so it gets a copy of it and loops on itself. The dec after the call makes CF whole from the
; xor's record, still known after the call's nested branches: CF is 0, no host call
; vmi: proposal
; stages: discover rotate
  mov edi, 100
  jmp .test
.body:
  xor eax, eax
  mov edx, 0x80
  call 0xc8000 + 66*32          ; OUTB
.test:
  dec edi
  jnz .body
  ret
