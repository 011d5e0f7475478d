; inlined VMI calls, deferred mode: SetDeferredMode stores the mode and flushes what a narrowing leaves
; pending; FlushDeferredCalls applies the queues; both may load a queued CR3, so the region checks its mapping after
; vmi: proposal
  mov eax, 3
  call 0xc8000 + 88*32          ; SetDeferredMode(MMU | CPU)
  mov eax, 0x400000
  call 0xc8000 + 55*32          ; InvalPage: queued
  call 0xc8000 + 57*32          ; FlushDeferredCalls
  xor eax, eax
  call 0xc8000 + 88*32          ; SetDeferredMode(NONE)
  ret
