; helper rows: div and rep movsd run their interpreter form with the state written back
  xor edx, edx
  div ecx
  rep movsd
  ret
