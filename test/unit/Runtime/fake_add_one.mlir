// The function fake_add_one.c implements by hand, for sinter-run --check.
func.func @add_one(%x: tensor<2x3xf32> {sinter.name = "x"},
                   %n: tensor<4xi32> {sinter.name = "n"})
    -> (tensor<2x3xf32> {sinter.name = "y"}, tensor<4xi32> {sinter.name = "m"}) {
  %one = sinter.constant dense<1.0> : tensor<2x3xf32>
  %y = sinter.add %x, %one : tensor<2x3xf32>
  %m = sinter.add %n, %n : tensor<4xi32>
  return %y, %m : tensor<2x3xf32>, tensor<4xi32>
}
