bits 32
org 0x1000
add esi, edi
jo $+2
add esi, edi
seto dl
add esi, edi
cmovo eax, ecx
add esi, edi
jno $+2
add esi, edi
setno dl
add esi, edi
cmovno eax, ecx
add esi, edi
jb $+2
add esi, edi
setb dl
add esi, edi
cmovb eax, ecx
add esi, edi
jae $+2
add esi, edi
setae dl
add esi, edi
cmovae eax, ecx
add esi, edi
je $+2
add esi, edi
sete dl
add esi, edi
cmove eax, ecx
add esi, edi
jne $+2
add esi, edi
setne dl
add esi, edi
cmovne eax, ecx
add esi, edi
jbe $+2
add esi, edi
setbe dl
add esi, edi
cmovbe eax, ecx
add esi, edi
ja $+2
add esi, edi
seta dl
add esi, edi
cmova eax, ecx
add esi, edi
js $+2
add esi, edi
sets dl
add esi, edi
cmovs eax, ecx
add esi, edi
jns $+2
add esi, edi
setns dl
add esi, edi
cmovns eax, ecx
add esi, edi
jp $+2
add esi, edi
setp dl
add esi, edi
cmovp eax, ecx
add esi, edi
jnp $+2
add esi, edi
setnp dl
add esi, edi
cmovnp eax, ecx
add esi, edi
jl $+2
add esi, edi
setl dl
add esi, edi
cmovl eax, ecx
add esi, edi
jge $+2
add esi, edi
setge dl
add esi, edi
cmovge eax, ecx
add esi, edi
jle $+2
add esi, edi
setle dl
add esi, edi
cmovle eax, ecx
add esi, edi
jg $+2
add esi, edi
setg dl
add esi, edi
cmovg eax, ecx
 jmp $
