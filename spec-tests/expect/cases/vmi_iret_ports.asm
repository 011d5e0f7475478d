; inlined VMI calls that end in a hypervisor function or a device: INB and OUTB are the instruction's port
; accesses (a device may raise an interrupt, stop the machine or write memory: the region leaves at the
; slot's ret when it did); CPUID is the instruction's own function, called with the state in the CPU;
; IRET (jumped to through a pointer, as trap returns do) is the instruction's own iret, and the region
; leaves for wherever it went
; vmi: proposal
; stages: discover
  mov edx, 0x3fd
  call 0xc8000 + 60*32          ; INB
  mov ebx, eax
  mov eax, 0x41
  mov edx, 0x3f8
  call 0xc8000 + 66*32          ; OUTB
  xor eax, eax
  call 0xc8000 + 5*32           ; CPUID
  jmp [iret_ptr]                ; IRET
iret_ptr:
  dd 0xc8000 + 39*32
