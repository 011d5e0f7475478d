bits 32
org 0x1000

    mov dword [0x9000], 0x1234
    add ecx, 5
    mov ebx, 0x50010
    mov edx, [ebx]
    mov eax, 99
    jmp $
