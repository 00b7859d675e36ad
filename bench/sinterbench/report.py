"""Turns a run's JSON (meta.json, threads<T>.json) into the markdown report
and the chart: Sinter against every peer, the best peer, and the roofline."""

from __future__ import annotations

import glob
import json
import os


def load(run_dir: str):
    with open(os.path.join(run_dir, "meta.json")) as f:
        meta = json.load(f)
    runs = {}
    for t in meta.get("threads", []):  # Only this run's thread counts.
        path = os.path.join(run_dir, f"threads{t}.json")
        if os.path.exists(path):  # Missing when that child failed early.
            with open(path) as f:
                r = json.load(f)
            runs[r["threads"]] = {n: e for n, e in r["workloads"].items() if "error" not in e}
            errors = {n: e["error"] for n, e in r["workloads"].items() if "error" in e}
            if errors:
                meta.setdefault("errors", {})[t] = errors
    return meta, runs


def sinter_failures(run_dir: str) -> list[str]:
    """Each (workload, threads) where Sinter's result was not ok, with why."""
    meta, runs = load(run_dir)
    out = [f"{name}, {t} thread(s): the workload failed: {err}"
           for t, errors in meta.get("errors", {}).items() for name, err in errors.items()]
    out += [f"{t} thread(s): no results" for t in meta.get("threads", []) if t not in runs]
    for t, workloads in sorted(runs.items()):
        for name, e in workloads.items():
            r = e["systems"].get("sinter")
            if r and r.get("status") != "ok":
                out.append(f"{name}, {t} thread(s): {r.get('status')}: {r.get('reason', '')}")
    return out


def roofline_s(entry: dict, limits: dict, threads: int) -> tuple[float, str] | None:
    """The lower bound on time: flops at the peak or compulsory bytes at the
    triad bandwidth, whichever is larger, and which one it is."""
    lim = limits.get("by_threads", {}).get(str(threads))
    if not lim:
        return None
    peak = lim["f32_fma_gflops"]
    if entry["dtype"] == "bf16":
        peak = max(peak, lim.get("bf16_dot_gflops", 0.0))
    compute = entry["flops"] / (peak * 1e9)
    # Data that fits in the last-level cache is not bound by DRAM bandwidth
    # (and cache bandwidth is not measured): only the compute bound applies.
    fits = entry["bytes"] <= limits.get("llc_bytes", 0)
    memory = 0.0 if fits else entry["bytes"] / (lim["triad_gbps"] * 1e9)
    return (compute, "compute") if compute >= memory else (memory, "memory")


def best_peer(entry: dict):
    # Sinter's own variants (sinter-unfused) are baselines, not peers.
    peers = [(r["median_s"], n) for n, r in entry["systems"].items()
             if not n.startswith("sinter") and r.get("status") == "ok"]
    return min(peers) if peers else None


def summarize(meta, runs) -> list[dict]:
    rows = []
    for t, workloads in sorted(runs.items()):
        for name, e in workloads.items():
            s = e["systems"].get("sinter", {})
            row = {"workload": name, "threads": t, "sinter_s": s.get("median_s"),
                   "sinter_status": s.get("status", "absent"), "best": best_peer(e)}
            rl = roofline_s(e, meta.get("limits", {}), t)
            row["roofline"] = rl
            if row["sinter_s"] and row["best"]:
                row["speedup"] = row["best"][0] / row["sinter_s"]
            if row["sinter_s"] and rl:
                row["sinter_fraction"] = rl[0] / row["sinter_s"]
            if row["best"] and rl:
                row["best_fraction"] = rl[0] / row["best"][0]
            rows.append(row)
    return rows


def ms(x) -> str:
    return "—" if x is None else f"{x * 1e3:.3f}" if x < 0.1 else f"{x * 1e3:.1f}"


def speedup_matrix(meta, runs) -> list[str]:
    """Sinter's speedup over every peer on every workload, per thread count."""
    peers = [p for p in meta.get("systems", []) if p != "sinter"]
    out = []
    for t, workloads in sorted(runs.items()):
        out += ["", f"## Speedup of Sinter over each peer, {t} thread(s)", "",
                "Peer's median / Sinter's median; 'n/a': the peer cannot run it "
                "(see the per-system tables).", "",
                "| workload | " + " | ".join(peers) + " |", "|---" * (len(peers) + 1) + "|"]
        for name, e in workloads.items():
            sinter = e["systems"].get("sinter", {})
            cells = []
            for p in peers:
                r = e["systems"].get(p, {})
                if r.get("status") == "ok" and sinter.get("status") == "ok":
                    cells.append(f"{r['median_s'] / sinter['median_s']:.2f}x")
                elif r.get("status") in ("wrong", "failed"):
                    cells.append(r["status"])
                else:
                    cells.append("n/a")
            out.append(f"| {name} | " + " | ".join(cells) + " |")
    return out


def sinter_gpu_note(runs) -> str:
    """Which architecture Sinter compiled for, and on which device it ran."""
    for workloads in runs.values():
        for e in workloads.values():
            for n, r in e["systems"].items():
                if n.startswith("sinter") and "gpu_arch" in r:
                    return (f" Sinter compiled with `--target=nvptx --gpu-arch={r['gpu_arch']}` "
                            f"and ran on {r['device']}.")
    return ""


def bandwidth_table(meta, runs) -> list[str]:
    """GPU mode: each system's bandwidth on the memory-bound workloads
    (compulsory bytes / median) as a fraction of the device's measured copy
    bandwidth, read plus written as the bytes are."""
    copy = meta.get("limits", {}).get("copy_gbps")
    rows = [(name, e) for t, workloads in sorted(runs.items())
            for name, e in workloads.items() if e.get("family") == "memory"]
    if meta.get("mode") != "gpu" or not copy or not rows:
        return []
    systems = meta.get("systems", [])
    out = ["", "## Memory-bound workloads: fraction of the device's copy bandwidth", "",
           f"GB/s = compulsory bytes (input, weights and output, each once) / median; the "
           f"percentage is of the measured copy bandwidth, {copy:.0f} GB/s.", "",
           "| workload | " + " | ".join(systems) + " |", "|---" * (len(systems) + 1) + "|"]
    for name, e in rows:
        cells = []
        for n in systems:
            r = e["systems"].get(n, {})
            if r.get("status") == "ok":
                gbps = e["bytes"] / r["median_s"] / 1e9
                cells.append(f"{gbps:.0f} GB/s ({100 * gbps / copy:.0f}%)")
            else:
                cells.append(r.get("status", "n/a"))
        out.append(f"| {name} | " + " | ".join(cells) + " |")
    return out


def compile_table(runs) -> list[str]:
    """Compile (or first-call) seconds per system for the model workloads."""
    t = min(runs) if runs else None
    models = [n for n, e in runs.get(t, {}).items() if n.startswith(("gpt2_block", "small_gpt"))]
    if not models:
        return []
    systems = [s for s in runs[t][models[0]]["systems"]
               if any("compile_s" in runs[t][m]["systems"].get(s, {}) for m in models)]
    out = ["", f"## Compile time (seconds; {t} thread run)", "",
           "Sinter: sinter-compile, MLIR to shared object; XLA: jit lower + compile; IREE: "
           "iree-compile of the StableHLO; torch.compile and torch: the first call; ONNX "
           "Runtime: session creation.", "",
           "| workload | " + " | ".join(systems) + " |", "|---" * (len(systems) + 1) + "|"]
    for m in models:
        cells = [f"{r['compile_s']:.2f}" if "compile_s" in r else "n/a"
                 for r in (runs[t][m]["systems"].get(s, {}) for s in systems)]
        out.append(f"| {m} | " + " | ".join(cells) + " |")
    return out


def write_chart(rows, path: str) -> str | None:
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        import matplotlib.ticker
    except ImportError:
        return "matplotlib is not installed here: no chart"
    threads = sorted({r["threads"] for r in rows})
    names = list(dict.fromkeys(r["workload"] for r in rows))
    fig, axes = plt.subplots(2, 1, figsize=(max(10, 0.7 * len(names)), 10), sharex=True)
    width = 0.8 / max(1, len(threads))
    for i, t in enumerate(threads):
        by = {r["workload"]: r for r in rows if r["threads"] == t}
        xs = [j + i * width for j in range(len(names))]
        axes[0].bar(xs, [by.get(n, {}).get("speedup", 0) for n in names], width,
                    label=f"{t} thread{'s' if t > 1 else ''}")
        axes[1].bar(xs, [by.get(n, {}).get("sinter_fraction", 0) for n in names], width,
                    label=f"Sinter, {t}t")
        axes[1].scatter(xs, [by.get(n, {}).get("best_fraction", 0) for n in names],
                        marker="_", s=200, color="black", zorder=3,
                        label="best peer" if i == 0 else None)
    axes[0].axhline(1.0, color="black", linewidth=0.8)
    axes[0].set_yscale("log")
    axes[0].yaxis.set_major_locator(matplotlib.ticker.LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    axes[0].yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}x"))
    axes[0].yaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    axes[0].set_ylabel("speedup over the best peer\n(best peer time / Sinter time)")
    axes[0].legend()
    axes[1].set_ylabel("fraction of the roofline bound")
    axes[1].set_ylim(0, 1.05)
    axes[1].legend()
    axes[1].set_xticks([j + width * (len(threads) - 1) / 2 for j in range(len(names))])
    axes[1].set_xticklabels(names, rotation=45, ha="right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return None


def write_report(run_dir: str, chart: bool = True) -> str:
    meta, runs = load(run_dir)
    rows = summarize(meta, runs)
    base = run_dir.rstrip("/")
    md_path, png_path = base + ".md", base + ".png"
    out = [f"# Benchmark: {meta['tag']}", "",
           f"Machine `{meta['machine']}`, {meta['date']}, mode {meta['mode']}; command "
           f"`bench/run.sh` → `python -m sinterbench {meta['command']}`. Raw data: "
           f"`{os.path.basename(base)}/*.json`.", ""]
    if meta.get("versions"):
        out += ["Peers: " + ", ".join(f"{k} {v}" for k, v in sorted(meta["versions"].items())), ""]
    lim = meta.get("limits", {})
    if meta["mode"] == "gpu" and lim:
        out += ["## Device limits (measured in this run)", "",
                f"{lim['device']}, {lim['multiprocessors']} multiprocessors: copy "
                f"{lim['copy_gbps']:.0f} GB/s, triad {lim['by_threads']['1']['triad_gbps']:.0f} "
                "GB/s; matmul " + ", ".join(f"{k} {v / 1e3:.0f} TFLOP/s" for k, v in
                                           lim["matmul_gflops"].items()) + f" ({lim['how']}).",
                "In the tables below, '1 thread' means the device." + sinter_gpu_note(runs), ""]
    elif lim.get("by_threads"):
        out += ["## Physical limits (measured by `sinter-limits` in this run)", "",
                "| threads | f32 FMA GFLOP/s | bf16 dot GFLOP/s | triad GB/s |", "|---|---|---|---|"]
        for t, l in sorted(lim["by_threads"].items(), key=lambda kv: int(kv[0])):
            out.append(f"| {t} | {l['f32_fma_gflops']:.0f} | {l['bf16_dot_gflops']:.0f} | "
                       f"{l['triad_gbps']:.1f} |")
        out += ["", f"Triad arrays of {lim.get('triad_array_bytes', 0) / 2**20:.0f} MiB each "
                f"(last-level cache {lim.get('llc_bytes', 0) / 2**20:.0f} MiB).", ""]
    out += ["## Summary", "",
            "Speedup = best peer's median / Sinter's median (above 1: Sinter is faster). "
            "Roofline = max(flops / peak, compulsory bytes / triad bandwidth) at that thread "
            "count; the fraction is roofline / median.", "",
            "| workload | threads | Sinter ms | best peer | peer ms | speedup | roofline ms (bound) "
            "| Sinter % roofline | best peer % roofline |", "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        best = r["best"]
        rl = r["roofline"]
        sinter = ms(r["sinter_s"]) if r["sinter_s"] else r["sinter_status"]
        out.append(
            f"| {r['workload']} | {r['threads']} | {sinter} | {best[1] if best else '—'} | "
            f"{ms(best[0]) if best else '—'} | "
            f"{r['speedup']:.2f}x |" if "speedup" in r else
            f"| {r['workload']} | {r['threads']} | {sinter} | {best[1] if best else '—'} | "
            f"{ms(best[0]) if best else '—'} | — |")
        out[-1] += (f" {ms(rl[0])} ({rl[1]}) | " if rl else " — | ")
        out[-1] += (f"{100 * r['sinter_fraction']:.0f}% | " if "sinter_fraction" in r else "— | ")
        out[-1] += (f"{100 * r['best_fraction']:.0f}% |" if "best_fraction" in r else "— |")
    out += bandwidth_table(meta, runs) + speedup_matrix(meta, runs) + compile_table(runs)
    for t, errors in meta.get("errors", {}).items():
        out += ["", f"## Workloads that failed at {t} thread(s)", ""]
        out += [f"- {name}: {err}" for name, err in errors.items()]
    gaps = sorted((r for r in rows if "speedup" in r), key=lambda r: r["speedup"])
    losing = [r for r in gaps if r["speedup"] < 1.0]
    out += ["", "## Largest gaps (Sinter slowest relative to the best peer)", "",
            "The three workloads where Sinter is furthest behind, at their worse thread count:", ""]
    worst, seen = [], set()
    for r in gaps:
        if r["workload"] not in seen:
            seen.add(r["workload"])
            worst.append(r)
    for r in worst[:3]:
        out.append(f"- {r['workload']}, {r['threads']} thread(s): {r['best'][1]} is "
                   f"{1 / r['speedup']:.2f}x faster ({ms(r['best'][0])} ms vs "
                   f"{ms(r['sinter_s'])} ms)")
    out += ["", f"Sinter is slower than the best peer in {len(losing)} of {len(gaps)} "
            "measured (workload, threads) pairs.", ""]
    for t, workloads in sorted(runs.items()):
        out += [f"## Every system, {t} thread(s)", ""]
        for name, e in workloads.items():
            sinter = e["systems"].get("sinter", {}).get("median_s")
            out += [f"### {name} ({e['dtype']}, {e['flops'] / 1e9:.3g} GFLOP, "
                    f"{e['bytes'] / 2**20:.1f} MiB compulsory)", "",
                    "| system | median ms | min–max ms | Sinter speedup | rel. error | "
                    "compile s |", "|---|---|---|---|---|---|"]
            for sys_name, r in e["systems"].items():
                if r.get("status") != "ok":
                    out.append(f"| {sys_name} | {r.get('status')}: {r.get('reason', '')[:200]} "
                               "| | | | |".replace("\n", " "))
                    continue
                speed = f"{r['median_s'] / sinter:.2f}x" if sinter else "—"
                out.append(f"| {sys_name} | {ms(r['median_s'])} | {ms(r['min_s'])}–"
                           f"{ms(r['max_s'])} | {speed} | {r['rel_err']:.1e} | "
                           f"{r.get('compile_s', 0):.2f} |")
            out.append("")
    if chart:
        problem = write_chart(rows, png_path)
        at = out.index("## Summary") + 1
        out.insert(at, "")
        out.insert(at + 1, f"![speedup and roofline]({os.path.basename(png_path)})"
                   if not problem else f"({problem})")
    with open(md_path, "w") as f:
        f.write("\n".join(out) + "\n")
    return md_path
