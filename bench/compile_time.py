#!/usr/bin/env python3
"""Compile time of sinter-compile against the size of the graph.

Generates synthetic graphs of growing size, compiles each with
`sinter-compile model.mlir -o model.so` (one process per compile, wall time,
median of --repeat runs) and prints one table per case:

  chain       a chain of N `sinter.exp` on tensor<64xf32> (fused: N/64 kernels)
  chain-none  the same chain with --fusion=none (one kernel per op)
  wide        a function of N arguments summed by a chain of N-1 `sinter.add`

The `x size` column is the time ratio to the previous size divided by the
size ratio: about 1 for linear growth, about the size ratio (4) for
quadratic. With --baseline, a second sinter-compile (e.g. an older build) is
timed on the same graphs in the same run, each compile alternating with the
other. A compile that takes longer than --timeout is stopped and shown as
`>T`; the larger sizes of that case are skipped.

  bench/run.sh --compile-time                      # all cases, 1k 4k 16k
  python3 bench/compile_time.py --compiler build/bin/sinter-compile \
      --baseline /tmp/sinter-compile-before --sizes 1000 4000 16000
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

TENSOR = "tensor<64xf32>"


def chain(n):
    lines = [f"func.func @f(%x: {TENSOR}) -> {TENSOR} {{"]
    prev = "%x"
    for i in range(n):
        lines.append(f"  %v{i} = sinter.exp {prev} : {TENSOR}")
        prev = f"%v{i}"
    lines.append(f"  return {prev} : {TENSOR}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def wide(n):
    args = ", ".join(f"%a{i}: {TENSOR}" for i in range(n))
    lines = [f"func.func @f({args}) -> {TENSOR} {{"]
    prev = "%a0"
    for i in range(1, n):
        lines.append(f"  %v{i} = sinter.add {prev}, %a{i} : {TENSOR}")
        prev = f"%v{i}"
    lines.append(f"  return {prev} : {TENSOR}")
    lines.append("}")
    return "\n".join(lines) + "\n"


CASES = {
    "chain": (chain, []),
    "chain-none": (chain, ["--fusion=none"]),
    "wide": (wide, []),
}


def compile_once(compiler, mlir, extra, out, timeout):
    """Wall seconds of one compile, or None past the timeout."""
    start = time.perf_counter()
    try:
        proc = subprocess.run([compiler, mlir, "-o", out] + extra,
                              stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None
    if proc.returncode != 0:
        sys.exit(f"compile_time: {compiler} {mlir} failed:\n"
                 f"{proc.stderr.decode(errors='replace')}")
    return time.perf_counter() - start


def fmt(t, timeout):
    return f">{timeout:.0f}" if t is None else f"{t:.2f}"


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--compiler", default=os.path.join(
        os.path.dirname(__file__), "..", "build", "bin", "sinter-compile"))
    p.add_argument("--baseline", help="a second sinter-compile to compare")
    p.add_argument("--sizes", type=int, nargs="+", default=[1000, 4000, 16000])
    p.add_argument("--wide-sizes", type=int, nargs="+",
                   help="sizes of the wide case (default: --sizes)")
    p.add_argument("--cases", nargs="+", default=list(CASES),
                   choices=list(CASES))
    p.add_argument("--extra", nargs=argparse.REMAINDER, default=[],
                   help="more sinter-compile options, e.g. --target=nvptx")
    p.add_argument("--repeat", type=int, default=1,
                   help="compiles per point; the median is shown")
    p.add_argument("--timeout", type=float, default=300)
    p.add_argument("--emit-graph", nargs=2, metavar=("CASE", "N"),
                   help="print the graph of CASE (chain or wide) at size N "
                        "and exit (the lit tests use it)")
    args = p.parse_args()
    if args.emit_graph:
        case, n = args.emit_graph
        sys.stdout.write(CASES[case][0](int(n)))
        return

    compilers = [("time", args.compiler)]
    if args.baseline:
        compilers = [("baseline", args.baseline), ("time", args.compiler)]
    with tempfile.TemporaryDirectory(prefix="sinter-ctime-") as tmp:
        out = os.path.join(tmp, "model.so")
        for case in args.cases:
            gen, extra = CASES[case]
            extra = extra + args.extra
            sizes = args.wide_sizes if case == "wide" and args.wide_sizes \
                else args.sizes
            print(f"\n{case}: sinter-compile model.mlir -o model.so "
                  f"{' '.join(extra)}".rstrip())
            head = "| ops |"
            rule = "|---:|"
            for name, _ in compilers:
                head += f" {name} (s) | x size |"
                rule += "---:|---:|"
            print(head)
            print(rule)
            prev = {name: None for name, _ in compilers}
            dead = set()
            for n in sizes:
                mlir = os.path.join(tmp, f"{case}{n}.mlir")
                with open(mlir, "w") as f:
                    f.write(gen(n))
                row = f"| {n} |"
                samples = {name: [] for name, _ in compilers}
                for _ in range(args.repeat):
                    for name, compiler in compilers:
                        if name in dead:
                            continue
                        samples[name].append(compile_once(
                            compiler, mlir, extra, out, args.timeout))
                for name, _ in compilers:
                    s = samples[name]
                    if name in dead:
                        row += " skipped | |"
                        continue
                    t = None if None in s else statistics.median(s)
                    ratio = ""
                    if t is not None and prev[name] is not None:
                        pt, pn = prev[name]
                        ratio = f"{(t / pt) / (n / pn):.2f}"
                    row += f" {fmt(t, args.timeout)} | {ratio} |"
                    if t is None:
                        dead.add(name)
                    else:
                        prev[name] = (t, n)
                print(row, flush=True)


if __name__ == "__main__":
    main()
