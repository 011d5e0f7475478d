; inlined VMI calls reached through a pointer (the pointer's value at translation time, checked when the call runs)
; and as a tail call (jmp to the slot: its ret leaves for the caller's caller)
; vmi: proposal
; stages: discover
  call [table]                  ; GetCR2 through a pointer
  mov ebx, eax
  jmp [table + 4]               ; a tail call of DisableInterrupts
table:
  dd 0xc8000 + 25*32
  dd 0xc8000 + 36*32
