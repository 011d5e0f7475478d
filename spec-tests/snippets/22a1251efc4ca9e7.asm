bits 32
org 0x1000
test ecx, edx
jo $+2
test ecx, edx
seto dl
test ecx, edx
cmovo eax, ecx
test ecx, edx
jno $+2
test ecx, edx
setno dl
test ecx, edx
cmovno eax, ecx
test ecx, edx
jb $+2
test ecx, edx
setb dl
test ecx, edx
cmovb eax, ecx
test ecx, edx
jae $+2
test ecx, edx
setae dl
test ecx, edx
cmovae eax, ecx
test ecx, edx
je $+2
test ecx, edx
sete dl
test ecx, edx
cmove eax, ecx
test ecx, edx
jne $+2
test ecx, edx
setne dl
test ecx, edx
cmovne eax, ecx
test ecx, edx
jbe $+2
test ecx, edx
setbe dl
test ecx, edx
cmovbe eax, ecx
test ecx, edx
ja $+2
test ecx, edx
seta dl
test ecx, edx
cmova eax, ecx
test ecx, edx
js $+2
test ecx, edx
sets dl
test ecx, edx
cmovs eax, ecx
test ecx, edx
jns $+2
test ecx, edx
setns dl
test ecx, edx
cmovns eax, ecx
test ecx, edx
jp $+2
test ecx, edx
setp dl
test ecx, edx
cmovp eax, ecx
test ecx, edx
jnp $+2
test ecx, edx
setnp dl
test ecx, edx
cmovnp eax, ecx
test ecx, edx
jl $+2
test ecx, edx
setl dl
test ecx, edx
cmovl eax, ecx
test ecx, edx
jge $+2
test ecx, edx
setge dl
test ecx, edx
cmovge eax, ecx
test ecx, edx
jle $+2
test ecx, edx
setle dl
test ecx, edx
cmovle eax, ecx
test ecx, edx
jg $+2
test ecx, edx
setg dl
test ecx, edx
cmovg eax, ecx
 jmp $
