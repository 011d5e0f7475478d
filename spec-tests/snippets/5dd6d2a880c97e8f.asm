bits 32
org 0x1000
shl eax, cl
jo $+2
shl eax, cl
seto dl
shl eax, cl
cmovo eax, ecx
shl eax, cl
jno $+2
shl eax, cl
setno dl
shl eax, cl
cmovno eax, ecx
shl eax, cl
jb $+2
shl eax, cl
setb dl
shl eax, cl
cmovb eax, ecx
shl eax, cl
jae $+2
shl eax, cl
setae dl
shl eax, cl
cmovae eax, ecx
shl eax, cl
je $+2
shl eax, cl
sete dl
shl eax, cl
cmove eax, ecx
shl eax, cl
jne $+2
shl eax, cl
setne dl
shl eax, cl
cmovne eax, ecx
shl eax, cl
jbe $+2
shl eax, cl
setbe dl
shl eax, cl
cmovbe eax, ecx
shl eax, cl
ja $+2
shl eax, cl
seta dl
shl eax, cl
cmova eax, ecx
shl eax, cl
js $+2
shl eax, cl
sets dl
shl eax, cl
cmovs eax, ecx
shl eax, cl
jns $+2
shl eax, cl
setns dl
shl eax, cl
cmovns eax, ecx
shl eax, cl
jp $+2
shl eax, cl
setp dl
shl eax, cl
cmovp eax, ecx
shl eax, cl
jnp $+2
shl eax, cl
setnp dl
shl eax, cl
cmovnp eax, ecx
shl eax, cl
jl $+2
shl eax, cl
setl dl
shl eax, cl
cmovl eax, ecx
shl eax, cl
jge $+2
shl eax, cl
setge dl
shl eax, cl
cmovge eax, ecx
shl eax, cl
jle $+2
shl eax, cl
setle dl
shl eax, cl
cmovle eax, ecx
shl eax, cl
jg $+2
shl eax, cl
setg dl
shl eax, cl
cmovg eax, ecx
 jmp $
