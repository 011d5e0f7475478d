; a conditional around a shift by CL (count 0 leaves the flags alone)
  test eax, eax
  jz .skip
  shl ebx, cl
.skip:
  setc dl
  ret
