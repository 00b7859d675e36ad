"""Writes MLIR text that nests DEPTH levels deep, for the parser guards.

  deep.py modules|dense|tuple DEPTH

modules: DEPTH nested `module {`; dense: a sinter.constant whose dense
literal nests DEPTH brackets; tuple: a function taking DEPTH nested tuples;
strings: DEPTH brackets in a comment and in a string, and DEPTH function
types with `->` (none of which nests); cut: a module whose dense_resource
hex blob is cut after DEPTH hex digits, at the end of the file.
"""
import sys

kind, depth = sys.argv[1], int(sys.argv[2])
if kind == "modules":
    print("module {" * depth + "}" * depth)
elif kind == "dense":
    shape = "1x" * depth
    print("func.func @f() -> tensor<" + shape + "f32> {")
    print("  %c = sinter.constant dense<" + "[" * depth + "1.0" + "]" * depth +
          "> : tensor<" + shape + "f32>")
    print("  return %c : tensor<" + shape + "f32>")
    print("}")
elif kind == "tuple":
    print("func.func private @f(%x: " + "tuple<" * depth + "f32" + ">" * depth +
          ")")
elif kind == "strings":
    print("// " + "{" * depth)
    print('func.func @f(%x: tensor<2xf32>) -> tensor<2xf32> attributes {note = "' +
          "[" * depth + '"} {')
    print("  return %x : tensor<2xf32>")
    print("}")
    for i in range(depth):
        print("func.func private @g%d(tensor<2xf32>) -> tensor<2xf32>" % i)
elif kind == "cut":
    sys.stdout.write(
        "func.func @f() -> tensor<4xf32> {\n"
        "  %c = sinter.constant dense_resource<w> : tensor<4xf32>\n"
        "  return %c : tensor<4xf32>\n"
        "}\n"
        "{-#\n"
        "  dialect_resources: {\n"
        "    builtin: {\n"
        '      w: "0x' + ("04000000" + "0000803F" * 4)[:depth])
else:
    sys.exit("unknown kind " + kind)
