// Three kernels with fusion off: an add (exact), an exp (a polynomial, a
// few ulps from the interpreter's f64 exp) and a mul (exact).
func.func @main(%x: tensor<4x33xf32>, %y: tensor<4x33xf32>) -> tensor<4x33xf32> {
  %s = sinter.add %x, %y : tensor<4x33xf32>
  %e = sinter.exp %s : tensor<4x33xf32>
  %m = sinter.mul %e, %x : tensor<4x33xf32>
  return %m : tensor<4x33xf32>
}
