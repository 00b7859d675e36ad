// true and false are the elements of array<i1: ...>.
func.func @f() attributes {flags = array<i1: true, false>} {
  return
}
