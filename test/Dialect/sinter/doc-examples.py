"""Turns every ```mlir example of the dialect reference into a function.

  doc-examples.py SinterDialect.md OUT.mlir

An example's first line may declare the values it uses without defining
them, `// %x: tensor<4xf32>, %g: tensor<768xf32>`; they become the
function's arguments. Writes the functions separated by `// -----` (for
sinter-opt --split-input-file), each preceded by the op it documents, and
prints how many there are. Fails when the reference has no example, or an
example uses a value nobody defines or declares (the parse would fail too,
but this names the op).
"""
import re
import sys

VALUE = re.compile(r"%([A-Za-z_][\w$.]*)")


def examples(markdown):
    """Yields (section heading, example lines)."""
    heading = "?"
    block = None
    for line in markdown.splitlines():
        if block is None and line.startswith("### "):
            heading = line[4:].strip()
        elif block is None and line.strip() == "```mlir":
            block = []
        elif block is not None and line.strip() == "```":
            yield heading, block
            block = None
        elif block is not None:
            block.append(line)


def main():
    source, out = sys.argv[1], sys.argv[2]
    with open(source) as f:
        markdown = f.read()
    functions = []
    for index, (heading, lines) in enumerate(examples(markdown)):
        args = []
        body = lines
        if lines and lines[0].strip().startswith("// %"):
            declared = lines[0].strip()[3:]
            args = [a.strip() for a in declared.split(", %")]
            args = [a if a.startswith("%") else "%" + a for a in args]
            body = lines[1:]
        known = {VALUE.match(a).group(1) for a in args}
        for line in body:
            code = line.split("//")[0]
            if code.strip().startswith("^"):
                known.update(VALUE.findall(code))  # block arguments
                continue
            lhs, sep, rhs = code.partition("=")
            defined = VALUE.findall(lhs) if sep else []
            for name in VALUE.findall(rhs if sep else code):
                if name not in known:
                    sys.exit(f"{source}: the example of {heading} uses %{name}, "
                             "which it neither defines nor declares in a "
                             "leading `// %name: type` line")
            known.update(defined)
        functions.append(
            f"// {heading}\n"
            f"func.func @example{index}({', '.join(args)}) {{\n"
            + "\n".join("  " + l.strip() for l in body)
            + "\n  return\n}\n")
    if not functions:
        sys.exit(f"{source}: no ```mlir examples")
    with open(out, "w") as f:
        f.write("\n// -----\n\n".join(functions))
    print(f"{len(functions)} examples")


if __name__ == "__main__":
    main()
