bits 32
org 0x1000
add ax, bx
 mov [ebx], cx
 movzx eax, word [ebx+2]
 push ax
 pop dx
 shl si, 3
 cwd
 jmp $
