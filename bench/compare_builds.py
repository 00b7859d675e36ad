#!/usr/bin/env python3
"""Run time of the same graphs compiled by two Sinter builds, side by side.

Each graph is compiled by the baseline build's sinter-compile and by this
build's, and each artifact is timed by its own build's sinter-run
(`--bench`, median of the timed runs), the two alternating --rounds times;
the table gives the median over rounds and the ratio new/baseline. A build
is a folder holding bin/sinter-compile and bin/sinter-run (a build tree).

The built-in graphs are the ones issue 13's numerics fixes changed: causal
attention (GPT-2 small's shape), softmax, layer norm and RMS norm rows.
--mlir adds any other graph (name=file.mlir).

  python3 bench/compare_builds.py --baseline /tmp/old/build --build build
  python3 bench/compare_builds.py --baseline OLD --graphs layer_norm \\
      --mlir mine=model.mlir --threads 2
"""

import argparse
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile

GRAPHS = {
    "attention_causal": """\
func.func @f(%q: tensor<1x12x1024x64xf32>, %k: tensor<1x12x1024x64xf32>, %v: tensor<1x12x1024x64xf32>) -> tensor<1x12x1024x64xf32> {
  %r = sinter.attention %q, %k, %v scale = 0.125 causal : tensor<1x12x1024x64xf32>, tensor<1x12x1024x64xf32>, tensor<1x12x1024x64xf32> -> tensor<1x12x1024x64xf32>
  return %r : tensor<1x12x1024x64xf32>
}
""",
    "softmax": """\
func.func @f(%x: tensor<4096x1024xf32>) -> tensor<4096x1024xf32> {
  %r = sinter.softmax %x, axis = 1 : (tensor<4096x1024xf32>) -> tensor<4096x1024xf32>
  return %r : tensor<4096x1024xf32>
}
""",
    "layer_norm": """\
func.func @f(%x: tensor<4096x768xf32>, %g: tensor<768xf32>, %b: tensor<768xf32>) -> tensor<4096x768xf32> {
  %r = sinter.layer_norm %x scale(%g : tensor<768xf32>) offset(%b : tensor<768xf32>) axis = 1 epsilon = 1.0e-05 : tensor<4096x768xf32> -> tensor<4096x768xf32>
  return %r : tensor<4096x768xf32>
}
""",
    "rms_norm": """\
func.func @f(%x: tensor<4096x768xf32>, %g: tensor<768xf32>) -> tensor<4096x768xf32> {
  %r = sinter.rms_norm %x scale(%g : tensor<768xf32>) axis = 1 epsilon = 1.0e-05 : tensor<4096x768xf32> -> tensor<4096x768xf32>
  return %r : tensor<4096x768xf32>
}
""",
}

MEDIAN = re.compile(r"median ([0-9.]+) ms")


def tool(build, name):
    path = os.path.join(build, "bin", name)
    if not os.access(path, os.X_OK):
        sys.exit(f"compare_builds.py: {path} is not an executable")
    return path


FEATURES = ["avx2", "fma", "avx512f", "avx512bw", "avx512_bf16", "avx512_fp16",
            "amx_tile", "amx_bf16"]


def cpu_name():
    """The CPU's model name and which of FEATURES it has."""
    name, flags = platform.processor() or "unknown CPU", set()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    name = line.split(":", 1)[1].strip()
                elif line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
                    break
    except OSError:
        pass
    return f"{name} ({' '.join(f for f in FEATURES if f in flags) or 'no AVX'})"


def time_artifact(build, so, runs, threads):
    out = subprocess.run(
        [tool(build, "sinter-run"), so, f"--bench={runs}", "--warmup=3",
         f"--threads={threads}"],
        capture_output=True, text=True)
    m = MEDIAN.search(out.stdout + out.stderr)
    if out.returncode != 0 or not m:
        sys.exit(f"compare_builds.py: sinter-run {so} failed:\n"
                 f"{out.stdout}{out.stderr}")
    return float(m.group(1))


def main():
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--baseline", required=True,
                   help="the baseline build folder (bin/sinter-compile, bin/sinter-run)")
    p.add_argument("--build", default="build", help="this build's folder")
    p.add_argument("--graphs", nargs="*", choices=sorted(GRAPHS),
                   default=sorted(GRAPHS), help="built-in graphs to time")
    p.add_argument("--mlir", nargs="*", default=[], metavar="NAME=FILE",
                   help="more graphs")
    p.add_argument("--runs", type=int, default=30, help="timed runs per artifact")
    p.add_argument("--rounds", type=int, default=3,
                   help="alternations of the two builds")
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args()

    graphs = {name: GRAPHS[name] for name in args.graphs}
    for spec in args.mlir:
        name, _, path = spec.partition("=")
        if not path:
            sys.exit(f"compare_builds.py: --mlir wants NAME=FILE, got '{spec}'")
        with open(path) as f:
            graphs[name] = f.read()

    builds = {"baseline": args.baseline, "new": args.build}
    print(f"CPU: {cpu_name()}; {args.threads} thread(s); median of "
          f"{args.runs} runs, median over {args.rounds} alternating rounds")
    print()
    print("| graph | baseline (ms) | new (ms) | new / baseline |")
    print("|---|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        for name, text in graphs.items():
            mlir = os.path.join(tmp, name + ".mlir")
            with open(mlir, "w") as f:
                f.write(text)
            artifacts = {}
            for which, build in builds.items():
                so = os.path.join(tmp, f"{name}.{which}.so")
                out = subprocess.run(
                    [tool(build, "sinter-compile"), mlir, "-o", so],
                    capture_output=True, text=True)
                if out.returncode != 0:
                    sys.exit(f"compare_builds.py: {which} sinter-compile "
                             f"failed on {name}:\n{out.stderr}")
                artifacts[which] = so
            times = {which: [] for which in builds}
            for _ in range(args.rounds):
                for which, build in builds.items():
                    times[which].append(time_artifact(
                        build, artifacts[which], args.runs, args.threads))
            old = statistics.median(times["baseline"])
            new = statistics.median(times["new"])
            print(f"| {name} | {old:.3f} | {new:.3f} | {new / old:.2f} |",
                  flush=True)


if __name__ == "__main__":
    main()
