"""The fusion tables of docs/performance.md from a harness run that measured
sinter and sinter-unfused: python3 bench/fusion_table.py bench/results/<run>."""
import json, sys, os
run = sys.argv[1]
meta = json.load(open(os.path.join(run, "meta.json")))
lim = meta["limits"]["by_threads"]
peers = [s for s in meta["systems"] if not s.startswith("sinter")]
def ms(x): return "—" if x is None else (f"{x*1e3:.3f}" if x < 0.01 else f"{x*1e3:.1f}")
for t in meta["threads"]:
    d = json.load(open(os.path.join(run, f"threads{t}.json")))["workloads"]
    print(f"\n#### {t} thread(s)\n")
    print("| workload | Sinter | Sinter `--fusion=none` | fusion speedup | " + " | ".join(peers) +
          " | best peer / Sinter | Sinter's fraction of roofline |")
    print("|---" * (6 + len(peers)) + "|")
    for name, e in d.items():
        sy = e["systems"]
        def med(n):
            r = sy.get(n, {})
            return r.get("median_s") if r.get("status") == "ok" else None
        s, u = med("sinter"), med("sinter-unfused")
        best = min([(med(p), p) for p in peers if med(p)], default=None)
        L = lim[str(t)]
        compute = e["flops"] / (L["f32_fma_gflops"] * 1e9)
        fits = e["bytes"] <= meta["limits"].get("llc_bytes", 0)
        memory = 0 if fits else e["bytes"] / (L["triad_gbps"] * 1e9)
        roof, kind = (compute, "FMA peak") if compute >= memory else (memory, "triad")
        cells = [ms(med(p)) for p in peers]
        if s is None:
            print(f"| {name} | failed | {ms(u)} | — | " + " | ".join(ms(med(p)) for p in peers) + " | — | — |")
            continue
        speedup = f"{u / s:.2f}x" if u else "—"
        ratio = f"{best[0] / s:.2f}x ({best[1]})" if best else "—"
        print(f"| {name} | {ms(s)} | {ms(u)} | {speedup} | " + " | ".join(cells) +
              f" | {ratio} | {roof / s:.2f} of {kind} |")
