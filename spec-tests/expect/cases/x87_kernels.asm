; x87 rows are kernel calls: the decoded numbers (EIP, FOP, ST indices, the
; memory format) become literals, a memory operand's offset is computed in
; place, and only fcomi's flags cross over
  fld qword [ebx+8]
  fld st1
  fmul st0, st2
  faddp st1, st0
  fld dword [esi]
  fcomip st0, st1
  fstp qword [ebx]
  jae .done
  fxch st1
.done:
  ret
