#!/usr/bin/env python3
"""Mutation fuzzer for sinter-opt: mutates lit cases, reports crashes.

Usage:
  python3 test/fuzz/mutate_ir.py --seed 1 --iterations 2000 \
      --tool build-fuzz/bin/sinter-opt --out /tmp/sinter-crashes test/

  # Replay accepted mutants (--keep) unmutated under valgrind, one pipeline
  # (valgrind's exit 99 counts as a crash):
  python3 test/fuzz/mutate_ir.py --replay --out /tmp/vg --timeout 300 \
      --pipeline="-sinter-decompose-composites -canonicalize -cse" \
      --tool "valgrind -q --error-exitcode=99 build-fuzz/bin/sinter-opt" /tmp/kept

The corpus is every .mlir file (or folder of them) given, split on `// -----`
and also printed in generic form by the tool. Each mutant is run through
`--tool` (a command line; the input file is appended) with no pass,
`-canonicalize -cse`, `-sinter-decompose-composites`, and a
`--mlir-print-op-generic` round trip. A crash is a signal, an exit code other
than 0/1, a timeout, or stderr naming an assertion / LLVM ERROR / stack dump.
Each distinct crash (by signature) is written to --out as crash-<n>.mlir with
the command and stderr in a header comment. --keep DIR saves mutants the tool
accepted, to replay later (e.g. under valgrind). Single process by design.
"""
import argparse
import hashlib
import os
import random
import re
import shlex
import subprocess
import sys
import tempfile

CRASH_MARKERS = ("Assertion", "LLVM ERROR", "UNREACHABLE", "Stack dump",
                 "PLEASE submit a bug report")
VALGRIND_MARKERS = ("Invalid read", "Invalid write", "uninitialised", "Mismatched free")
PIPELINES = [[], ["-canonicalize", "-cse"], ["-sinter-decompose-composites"]]
ELEMENT_TYPES = ["f32", "f16", "bf16", "i1", "i32", "i64", "f64", "index",
                 "i8", "complex<f32>", "f8E4M3FN", "ui32", "none"]
NUMBERS = ["0", "1", "-1", "2", "3", "7", "-2", "64", "4294967296",
           "9223372036854775807", "-9223372036854775808", "1.0e+300", "nan"]
SINTER_OPS = ["add", "sub", "mul", "div", "max", "min", "pow", "neg", "abs",
              "exp", "log", "sqrt", "rsqrt", "tanh", "erf", "sigmoid", "relu",
              "silu", "gelu", "compare", "select", "convert",
              "broadcast_in_dim", "reshape", "transpose", "slice",
              "concatenate", "gather", "iota", "reduce", "matmul", "softmax",
              "log_softmax", "logsumexp", "layer_norm", "rms_norm",
              "attention", "rotary_embedding", "constant", "fusion", "yield"]

NUM_RE = re.compile(r"(?<![%#\w.^])-?\d+(\.\d+)?(e[+-]?\d+)?(?![\w])")
DIM_RE = re.compile(r"(?<=[<x])\d+(?=x)")  # a dimension in tensor<4x8xf32>
ELEM_RE = re.compile(r"\b(f32|f16|bf16|i1|i32|i64)\b")
# What must surround a literal for the "_all" mutations to replace it.
ALL_CONTEXT = {"number_all": (r"(?<![%#\w.^])", r"(?![\w])"),
               "dim_all": (r"(?<=[<x])", r"(?=x)"), "elem_all": (r"\b", r"\b")}
OP_RE = re.compile(r"sinter\.(\w+)")
TENSOR_RE = re.compile(r"tensor<([^<>]*?)x?(f32|f16|bf16|i1|i32|i64)>")
SSA_RE = re.compile(r"%[\w]+(#\d+)?")
ATTR_RE = re.compile(r"(?<![%\w])[a-z_]+ = (\[[^\]]*\]|[-\w.+]+(\s*:\s*\w+)?)")


def rand_shape(rng):
    dims = [rng.choice(["0", "1", "2", "3", "4", "8", "?", "9223372036854775807"])
            for _ in range(rng.choice([0, 1, 1, 2, 2, 3, 4, 5]))]
    return "x".join(dims) + ("x" if dims else "")


def sub_one(rng, regex, text, repl):
    """Replaces one random match of `regex` with repl(match)."""
    matches = list(regex.finditer(text))
    if not matches:
        return text
    m = rng.choice(matches)
    return text[:m.start()] + repl(m) + text[m.end():]


def mutate_lines(rng, text, op):
    lines = text.split("\n")
    body = [i for i, l in enumerate(lines) if l.strip() and not l.strip().startswith("//")]
    if not body:
        return text
    i = rng.choice(body)
    if op == "truncate":
        lines[i] = lines[i][:rng.randrange(len(lines[i]) + 1)]
    elif op == "delete":
        del lines[i]
    elif op == "duplicate":
        lines.insert(i, lines[i])
    elif op == "swap":
        j = rng.choice(body)
        lines[i], lines[j] = lines[j], lines[i]
    return "\n".join(lines)


def mutate(rng, text):
    kind = rng.choice(["number", "number", "dim", "dim", "elem", "elem", "op",
                       "shape", "operand", "attr", "terminator", "truncate",
                       "delete", "duplicate", "swap", "number_all", "dim_all",
                       "dim_all", "elem_all"])
    if kind.endswith("_all"):  # every occurrence at once: keeps IR valid more often
        regex = {"number_all": NUM_RE, "dim_all": DIM_RE, "elem_all": ELEM_RE}[kind]
        found = sorted({m.group(0) for m in regex.finditer(text)})
        if not found:
            return text
        old = rng.choice(found)
        if kind == "elem_all":
            new = rng.choice(["f32", "f16", "bf16", "i1", "i32", "i64"])
        else:
            new = rng.choice(["0", "1", "2", "3", "4", "8", str(rng.randint(0, 9))])
        before, after = ALL_CONTEXT[kind]
        return re.sub(before + re.escape(old) + after, new, text)
    if kind == "number":
        return sub_one(rng, NUM_RE, text, lambda m: rng.choice(
            NUMBERS + [str(rng.randint(-3, 16))]))
    if kind == "dim":
        return sub_one(rng, DIM_RE, text, lambda m: rng.choice(
            ["0", "1", "2", "3", "5", "4294967296", "9223372036854775807"]))
    if kind == "elem":
        return sub_one(rng, ELEM_RE, text, lambda m: rng.choice(ELEMENT_TYPES))
    if kind == "op":
        return sub_one(rng, OP_RE, text, lambda m: "sinter." + rng.choice(SINTER_OPS))
    if kind == "shape":
        return sub_one(rng, TENSOR_RE, text,
                       lambda m: "tensor<%s%s>" % (rand_shape(rng), m.group(2)))
    if kind == "operand":  # drop or duplicate an SSA use (not a definition)
        def repl(m):
            after = text[m.end():m.end() + 3]
            if " = " in after or ":" in after[:1]:
                return m.group(0)
            return rng.choice(["", m.group(0) + ", " + m.group(0), "%0", "%arg0"])
        return sub_one(rng, SSA_RE, text, repl)
    if kind == "attr":
        return sub_one(rng, ATTR_RE, text, lambda m: rng.choice(
            ["", m.group(0).split(" = ")[0] + " = []",
             m.group(0).split(" = ")[0] + " = [0, 0]"]))
    if kind == "terminator":
        return re.sub(r"^\s*(sinter\.yield|return)\b.*$", "", text, count=1,
                      flags=re.M)
    return mutate_lines(rng, text, kind)


def load_corpus(paths):
    files = []
    for p in paths:
        if os.path.isdir(p):
            for root, _, names in os.walk(p):
                files += [os.path.join(root, n) for n in sorted(names) if n.endswith(".mlir")]
        else:
            files.append(p)
    cases = []
    for f in sorted(files):
        with open(f) as fh:
            text = re.sub(r"^// (RUN|CHECK|expected-).*$", "", fh.read(), flags=re.M)
        cases += [c for c in text.split("// -----") if "sinter." in c]
    return cases


def run(cmd, timeout):
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                           errors="replace")
        return p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired:
        return "timeout", "", "timeout after %ss" % timeout


def crash_signature(rc, stderr):
    """None if not a crash, else a short string identifying it."""
    marker = next((l for l in stderr.splitlines()
                   if any(k in l for k in CRASH_MARKERS + VALGRIND_MARKERS)
                   and "Stack dump" not in l and "PLEASE" not in l), None)
    if rc in (0, 1) and not any(k in stderr for k in CRASH_MARKERS):
        return None
    frames = re.findall(r"^\s*#\d+ 0x[0-9a-f]+ (?:in )?(\S+)", stderr, re.M)
    frames = [f for f in frames if "llvm::sys" not in f and "SignalHandler" not in f
              and not f.startswith("(") and "libc.so" not in f]
    sig = "rc=%s %s %s" % (rc, re.sub(r"\d+", "N", marker or ""), " ".join(frames[:3]))
    return sig.strip()


def check(tool, text, timeout, pipelines):
    """Runs every configuration on `text`; returns (signature, cmd, stderr, rc)."""
    with tempfile.NamedTemporaryFile("w", suffix=".mlir", delete=False) as f:
        f.write(text)
    try:
        for extra in pipelines or PIPELINES:
            cmd = tool + [f.name] + extra
            rc, _, err = run(cmd, timeout)
            sig = crash_signature(rc, err)
            if sig:
                return sig, cmd, err, rc
            if rc != 0 and (not extra or pipelines):
                return None, None, None, rc  # rejected: passes would not run
        if pipelines:
            return None, None, None, 0
        cmd = tool + [f.name, "--mlir-print-op-generic"]
        rc, out, err = run(cmd, timeout)
        sig = crash_signature(rc, err)
        if sig or rc != 0:
            return sig, cmd, err, rc
        with open(f.name, "w") as g:
            g.write(out)
        cmd = tool + [f.name, "-canonicalize"]
        rc, _, err = run(cmd, timeout)
        return crash_signature(rc, err), cmd, err, 0
    finally:
        os.unlink(f.name)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", nargs="+", help=".mlir files or folders")
    ap.add_argument("--tool", required=True, help="command line of sinter-opt")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--iterations", type=int, default=1000)
    ap.add_argument("--max-mutations", type=int, default=3)
    ap.add_argument("--out", default="fuzz-crashes", help="folder for crashing inputs")
    ap.add_argument("--keep", help="folder to save accepted mutants in")
    ap.add_argument("--replay", action="store_true", help="run the corpus unmutated")
    ap.add_argument("--timeout", type=float, default=20.0)
    ap.add_argument("--pipeline", action="append", default=[],
                    help="run only these pass lists (repeatable, e.g. "
                         "'-sinter-decompose-composites -canonicalize -cse'), "
                         "no round trip: for slow tools such as valgrind")
    args = ap.parse_args()

    rng = random.Random(args.seed)
    tool = shlex.split(args.tool)
    cases = load_corpus(args.corpus)
    if not args.replay:  # generic forms reach attributes the custom syntax hides
        for c in list(cases):
            with tempfile.NamedTemporaryFile("w", suffix=".mlir", delete=False) as f:
                f.write(c)
            rc, out, _ = run(tool + [f.name, "--mlir-print-op-generic"], args.timeout)
            os.unlink(f.name)
            if rc == 0:
                cases.append(out)
    print("corpus: %d cases" % len(cases), flush=True)
    os.makedirs(args.out, exist_ok=True)
    if args.keep:
        os.makedirs(args.keep, exist_ok=True)

    seen = {}
    stats = {"accepted": 0, "rejected": 0}
    work = cases if args.replay else range(args.iterations)
    for it, item in enumerate(work):
        if args.replay:
            text = item
        else:
            text = rng.choice(cases)
            for _ in range(min(rng.choice([1, 1, 1, 2, 3]), args.max_mutations)):
                text = mutate(rng, text)
        sig, cmd, err, rc = check(tool, text, args.timeout,
                                  [p.split() for p in args.pipeline])
        stats["accepted" if rc == 0 else "rejected"] += 1
        if rc == 0 and args.keep:
            name = hashlib.sha1(text.encode()).hexdigest()[:12]
            with open(os.path.join(args.keep, name + ".mlir"), "w") as f:
                f.write(text)
        if sig and sig not in seen:
            path = os.path.join(args.out, "crash-%d.mlir" % len(seen))
            seen[sig] = path
            header = "// signature: %s\n// command: %s\n" % (sig, " ".join(cmd))
            header += "".join("// | " + l + "\n" for l in err.splitlines()[:40])
            with open(path, "w") as f:
                f.write(header + text)
            print("[%d] NEW CRASH %s -> %s" % (it, sig, path), flush=True)
        if it % 100 == 0:
            print("[%d] %s, %d distinct crashes" % (it, stats, len(seen)), flush=True)
    print("done: %d runs, %s, %d distinct crashes in %s"
          % (len(work), stats, len(seen), args.out))
    return 1 if seen else 0


if __name__ == "__main__":
    sys.exit(main())
