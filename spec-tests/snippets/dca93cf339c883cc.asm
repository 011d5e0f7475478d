bits 32
org 0x1000
push ebp
 mov ebp, esp
 pushad
 push dword [ebx]
 pop dword [ebx+4]
 call .f
 popad
 leave
 jmp $
.f: push 7
 pop eax
 ret
