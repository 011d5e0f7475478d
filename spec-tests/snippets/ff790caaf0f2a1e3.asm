bits 32
org 0x1000
cmp eax, ebx
jo $+2
cmp eax, ebx
seto dl
cmp eax, ebx
cmovo eax, ecx
cmp eax, ebx
jno $+2
cmp eax, ebx
setno dl
cmp eax, ebx
cmovno eax, ecx
cmp eax, ebx
jb $+2
cmp eax, ebx
setb dl
cmp eax, ebx
cmovb eax, ecx
cmp eax, ebx
jae $+2
cmp eax, ebx
setae dl
cmp eax, ebx
cmovae eax, ecx
cmp eax, ebx
je $+2
cmp eax, ebx
sete dl
cmp eax, ebx
cmove eax, ecx
cmp eax, ebx
jne $+2
cmp eax, ebx
setne dl
cmp eax, ebx
cmovne eax, ecx
cmp eax, ebx
jbe $+2
cmp eax, ebx
setbe dl
cmp eax, ebx
cmovbe eax, ecx
cmp eax, ebx
ja $+2
cmp eax, ebx
seta dl
cmp eax, ebx
cmova eax, ecx
cmp eax, ebx
js $+2
cmp eax, ebx
sets dl
cmp eax, ebx
cmovs eax, ecx
cmp eax, ebx
jns $+2
cmp eax, ebx
setns dl
cmp eax, ebx
cmovns eax, ecx
cmp eax, ebx
jp $+2
cmp eax, ebx
setp dl
cmp eax, ebx
cmovp eax, ecx
cmp eax, ebx
jnp $+2
cmp eax, ebx
setnp dl
cmp eax, ebx
cmovnp eax, ecx
cmp eax, ebx
jl $+2
cmp eax, ebx
setl dl
cmp eax, ebx
cmovl eax, ecx
cmp eax, ebx
jge $+2
cmp eax, ebx
setge dl
cmp eax, ebx
cmovge eax, ecx
cmp eax, ebx
jle $+2
cmp eax, ebx
setle dl
cmp eax, ebx
cmovle eax, ecx
cmp eax, ebx
jg $+2
cmp eax, ebx
setg dl
cmp eax, ebx
cmovg eax, ecx
 jmp $
