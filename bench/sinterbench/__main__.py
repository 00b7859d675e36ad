"""The benchmark harness's command line.

  python -m sinterbench all [--quick | --smoke] [--gpu] ...
      measures the machine's limits, runs the suite once per thread count (each
      in its own process: XLA's thread pool is process-wide) and writes the report.
  python -m sinterbench run --threads T --out FILE ...    one thread count
  python -m sinterbench report DIR                        the report from a run's JSON
"""

from __future__ import annotations

import argparse
import atexit
import datetime
import glob
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile

BENCH_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROOT = os.path.dirname(BENCH_DIR)


def pin_threads(threads: int):
    """Confines this process to `threads` CPUs and tells every library so,
    before any of them is imported: a 1-thread run cannot borrow a second core."""
    cpus = sorted(os.sched_getaffinity(0))
    if threads > len(cpus):
        raise SystemExit(f"--threads {threads}: only {len(cpus)} CPUs are available")
    os.sched_setaffinity(0, set(cpus[:threads]))
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[var] = str(threads)
    flags = os.environ.get("XLA_FLAGS", "")
    if threads == 1:
        flags += " --xla_cpu_multi_thread_eigen=false"
    os.environ["XLA_FLAGS"] = flags.strip()
    # Debian's OpenBLAS cannot identify this CPU inside a KVM guest and would
    # fall back to its generic kernels; name the core its kernels are for.
    cpuinfo = open("/proc/cpuinfo").read()
    if " avx512f" in cpuinfo:
        os.environ.setdefault("OPENBLAS_CORETYPE", "SkylakeX")
    elif " avx2" in cpuinfo:
        os.environ.setdefault("OPENBLAS_CORETYPE", "Haswell")
    # OpenBLAS's threads otherwise spin for a long time (2^28 cycles) after
    # each call, on the core the next system is timed on.
    os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "4")


def cold_compile_caches():
    """Compile times are cold: no inductor or Triton cache from an earlier run."""
    cache = tempfile.mkdtemp(prefix="sinterbench-cache-")
    atexit.register(shutil.rmtree, cache, ignore_errors=True)
    os.environ["TORCHINDUCTOR_CACHE_DIR"] = os.path.join(cache, "inductor")
    os.environ["TRITON_CACHE_DIR"] = os.path.join(cache, "triton")


def machine_name() -> str:
    model = platform.processor() or "cpu"
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            model = line.split(":", 1)[1]
            break
    slug = re.sub(r"\((r|tm)\)", "", model.lower())
    slug = re.sub(r"[^a-z0-9]+", "-", slug).strip("-")
    return f"{slug}-{len(os.sched_getaffinity(0))}c"


def cmd_run(args):
    cold_compile_caches()
    if not args.gpu:  # On the GPU the host threads are not what is measured.
        pin_threads(args.threads)  # Before numpy or any peer is imported.
    from .systems import GPU_SYSTEMS, make
    if args.gpu:  # JAX would otherwise take 75% of the device memory from torch.
        os.environ.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")
        cpu_only = sorted(set(args.systems) - set(GPU_SYSTEMS))
        if cpu_only:
            raise SystemExit(f"--gpu: {cpu_only} run only on the CPU")
    from . import harness, workloads
    chosen = workloads.select(args.workloads, args.quick, args.smoke, args.gpu)
    systems = [make(n, args.build_dir, "cuda" if args.gpu else "cpu") for n in args.systems]
    rounds = args.rounds or (5 if args.smoke else 7 if args.quick else 15)
    budget = args.budget or (2 if args.smoke else 8 if args.quick else 30)
    harness.run(chosen, systems, args.threads, rounds, args.sample_s, budget, args.out)


def cmd_all(args):
    from .systems import CPU_SYSTEMS, GPU_SYSTEMS
    if args.gpu and args.smoke:
        raise SystemExit("--smoke measures Sinter on the CPU; it does not combine with --gpu")
    if args.gpu and set(args.systems or []) - set(GPU_SYSTEMS):
        raise SystemExit(f"--gpu: {sorted(set(args.systems) - set(GPU_SYSTEMS))} run only "
                         "on the CPU")
    tag = f"{datetime.date.today().isoformat()}-{machine_name()}"
    if args.gpu:
        tag += "-gpu"
    if args.quick or args.smoke:
        tag += "-smoke" if args.smoke else "-quick"
    if args.workloads or args.systems or args.threads != "1,2":
        tag += "-partial"  # Never overwrites a whole run of the same day.
    out_dir = args.out_dir or os.path.join(BENCH_DIR, "results", tag)
    systems = args.systems or (["sinter"] if args.smoke else
                               GPU_SYSTEMS if args.gpu else CPU_SYSTEMS)
    meta = {"tag": tag, "machine": machine_name(), "date": datetime.date.today().isoformat(),
            "mode": "gpu" if args.gpu else "cpu", "quick": args.quick, "smoke": args.smoke,
            "command": " ".join(sys.argv[1:]), "systems": systems}
    if args.gpu:
        from .gpu import device_limits
        meta["limits"] = device_limits(args.quick)
        threads = [1]
    else:
        threads = [int(t) for t in args.threads.split(",")]
        limits_cmd = [os.path.join(args.build_dir, "bin", "sinter-limits"),
                      "--threads", str(max(threads))]
        if args.quick or args.smoke:
            limits_cmd.append("--quick")
        print("bench: measuring this machine's limits:", " ".join(limits_cmd), flush=True)
        meta["limits"] = json.loads(subprocess.run(limits_cmd, check=True, capture_output=True,
                                                   text=True).stdout)
    meta["threads"] = threads
    os.makedirs(out_dir, exist_ok=True)
    for old in glob.glob(os.path.join(out_dir, "threads*.json")):
        os.remove(old)  # A report never mixes in an earlier run's data.
    meta["versions"] = _versions(systems)
    with open(os.path.join(out_dir, "meta.json"), "w") as f:
        json.dump(meta, f, indent=1)
    for t in threads:
        cmd = [sys.executable, "-m", "sinterbench", "run", "--threads", str(t),
               "--build-dir", args.build_dir, "--out", os.path.join(out_dir, f"threads{t}.json"),
               "--systems", *systems, "--sample-s", str(args.sample_s)]
        for flag in ("quick", "smoke", "gpu"):
            if getattr(args, flag):
                cmd.append("--" + flag)
        if args.workloads:
            cmd += ["--workloads", *args.workloads]
        if args.rounds:
            cmd += ["--rounds", str(args.rounds)]
        if args.budget:
            cmd += ["--budget", str(args.budget)]
        print(f"bench: {t} thread(s): {' '.join(cmd[1:])}", flush=True)
        rc = subprocess.run(cmd, cwd=BENCH_DIR).returncode
        if rc != 0:  # The report still shows what was measured.
            print(f"bench: the {t}-thread run failed (exit {rc})", flush=True)
    from .report import write_report, sinter_failures
    md = write_report(out_dir, chart=not args.no_chart)
    print(f"bench: wrote {md}")
    failures = sinter_failures(out_dir) if "sinter" in systems else []
    if failures:  # A wrong or failed Sinter result fails the run.
        raise SystemExit("bench: Sinter did not pass:\n  " + "\n  ".join(failures))


def _versions(systems) -> dict:
    """The version of every peer (as installed), for the record."""
    out = {}
    packages = {"numpy": "numpy", "jax": "jax", "jaxlib": "jaxlib", "torch": "torch",
                "onnxruntime": "onnxruntime", "iree.compiler": "iree-base-compiler"}
    for module, package in packages.items():
        code = (f"import importlib.metadata as m, {module} as x; "
                f"print(getattr(x, '__version__', '') or m.version('{package}'))")
        p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        if p.returncode == 0:
            out[module] = p.stdout.strip()
    return out


def cmd_report(args):
    from .report import write_report
    print(write_report(args.dir, chart=not args.no_chart))


def main():
    p = argparse.ArgumentParser(prog="python -m sinterbench")
    sub = p.add_subparsers(dest="cmd", required=True)
    default_build = os.environ.get("SINTER_BUILD_DIR", os.path.join(ROOT, "build"))
    for name in ("all", "run"):
        s = sub.add_parser(name)
        s.add_argument("--quick", action="store_true", help="a small subset, a few minutes")
        s.add_argument("--smoke", action="store_true", help="one tiny workload (the ctest)")
        s.add_argument("--gpu", action="store_true",
                       help="Sinter and the peers on CUDA device 0")
        s.add_argument("--systems", nargs="+")
        s.add_argument("--workloads", nargs="+")
        s.add_argument("--rounds", type=int, default=0)
        s.add_argument("--budget", type=float, default=0,
                       help="seconds of timed runs per workload and thread count")
        s.add_argument("--sample-s", type=float, default=0.1,
                       help="each timed sample repeats the call for about this long")
        s.add_argument("--build-dir", default=default_build)
    sub.choices["all"].add_argument("--threads", default="1,2")
    sub.choices["all"].add_argument("--out-dir")
    sub.choices["all"].add_argument("--no-chart", action="store_true")
    sub.choices["run"].add_argument("--threads", type=int, required=True)
    sub.choices["run"].add_argument("--out", required=True)
    r = sub.add_parser("report")
    r.add_argument("dir")
    r.add_argument("--no-chart", action="store_true")
    args = p.parse_args()
    if args.cmd == "run" and not args.systems:
        p.error("run needs --systems")
    {"all": cmd_all, "run": cmd_run, "report": cmd_report}[args.cmd](args)


if __name__ == "__main__":
    main()
