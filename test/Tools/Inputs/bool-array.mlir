// The transpose's permutation is a dense i64 array; an array<i1: 0> there
// made MLIR 19 segfault while printing the property's diagnostic.
func.func @f(%x: tensor<2x3xf32>) -> tensor<3x2xf32> {
  %r = "sinter.transpose"(%x) <{permutation = array<i1: 0>}> : (tensor<2x3xf32>) -> tensor<3x2xf32>
  return %r : tensor<3x2xf32>
}
