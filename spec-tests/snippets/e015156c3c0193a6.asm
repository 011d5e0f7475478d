bits 32
org 0x1000
inc eax
jo $+2
inc eax
seto dl
inc eax
cmovo eax, ecx
inc eax
jno $+2
inc eax
setno dl
inc eax
cmovno eax, ecx
inc eax
jb $+2
inc eax
setb dl
inc eax
cmovb eax, ecx
inc eax
jae $+2
inc eax
setae dl
inc eax
cmovae eax, ecx
inc eax
je $+2
inc eax
sete dl
inc eax
cmove eax, ecx
inc eax
jne $+2
inc eax
setne dl
inc eax
cmovne eax, ecx
inc eax
jbe $+2
inc eax
setbe dl
inc eax
cmovbe eax, ecx
inc eax
ja $+2
inc eax
seta dl
inc eax
cmova eax, ecx
inc eax
js $+2
inc eax
sets dl
inc eax
cmovs eax, ecx
inc eax
jns $+2
inc eax
setns dl
inc eax
cmovns eax, ecx
inc eax
jp $+2
inc eax
setp dl
inc eax
cmovp eax, ecx
inc eax
jnp $+2
inc eax
setnp dl
inc eax
cmovnp eax, ecx
inc eax
jl $+2
inc eax
setl dl
inc eax
cmovl eax, ecx
inc eax
jge $+2
inc eax
setge dl
inc eax
cmovge eax, ecx
inc eax
jle $+2
inc eax
setle dl
inc eax
cmovle eax, ecx
inc eax
jg $+2
inc eax
setg dl
inc eax
cmovg eax, ecx
 jmp $
