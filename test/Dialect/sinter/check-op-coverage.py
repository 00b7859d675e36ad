#!/usr/bin/env python3
"""Fails, naming the op, when a sinter op has no round-trip test or no
reference-interpreter unit test.

Every op mnemonic is read from SinterOps.td (`def Sinter_XOp : Sinter_...<"mnemonic"`).
An op counts as covered
  - in ops.mlir when `sinter.<mnemonic>` appears outside `//` comments (so a
    CHECK line alone does not count);
  - in the reference unit tests when any file under the directory spells
    `sinter.<mnemonic>` (IR text) or the op's C++ class name (`AddOp`, from
    the ODS def name without `Sinter_`) as a whole word.
Run from lit: test/Dialect/sinter/op-coverage.test.
"""

import argparse
import os
import re
import sys

DEF_RE = re.compile(r'^def\s+Sinter_(\w+Op)\s*:\s*Sinter_\w+\s*<\s*"([a-z0-9_]+)"',
                    re.MULTILINE)


def read(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read()


def strip_line_comments(text):
    return "\n".join(line.split("//", 1)[0] for line in text.splitlines())


def spells_op(text, mnemonic):
    # `sinter.log` must not match `sinter.log_softmax`.
    return re.search(r"\bsinter\." + re.escape(mnemonic) + r"(?![A-Za-z0-9_])",
                     text) is not None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--td", required=True, help="SinterOps.td")
    parser.add_argument("--ops", required=True, help="the round-trip test (ops.mlir)")
    parser.add_argument("--reference", required=True,
                        help="directory of the reference interpreter's unit tests")
    args = parser.parse_args()

    ops = DEF_RE.findall(read(args.td))
    if not ops:
        print(f"error: no op definitions found in {args.td}", file=sys.stderr)
        return 2

    roundtrip = strip_line_comments(read(args.ops))

    if not os.path.isdir(args.reference):
        print(f"error: {args.reference} is not a directory", file=sys.stderr)
        return 2
    reference_files = []
    for root, _, files in os.walk(args.reference):
        for name in sorted(files):
            if name.endswith((".cpp", ".cc", ".h", ".mlir")):
                reference_files.append(read(os.path.join(root, name)))
    reference = "\n".join(reference_files)

    missing = 0
    for cpp_class, mnemonic in ops:
        if not spells_op(roundtrip, mnemonic):
            print(f"MISSING sinter.{mnemonic}: no round trip in {args.ops}")
            missing += 1
        if not (spells_op(reference, mnemonic) or
                re.search(r"\b" + cpp_class + r"\b", reference)):
            print(f"MISSING sinter.{mnemonic}: no reference interpreter unit test "
                  f"under {args.reference} (neither 'sinter.{mnemonic}' nor "
                  f"'{cpp_class}' appears)")
            missing += 1
    print(f"{len(ops)} ops checked, {missing} gaps")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
