"""Builds each workload in every system, checks the outputs against the
float64 reference, and times all systems interleaved in one process."""

from __future__ import annotations

import gc
import json
import math
import statistics
import sys
import time
import traceback

import numpy as np

from .systems import reference
from .systems.base import Unsupported
from .workloads import Workload

# A result farther than this from the float64 reference (max |diff| over
# max |reference|) is a wrong answer and is not timed.
TOLERANCE = {"f32": 2e-3, "bf16": 3e-2}


def log(msg: str):
    print(msg, file=sys.stderr, flush=True)


def compare(outs, ref) -> dict:
    if len(outs) != len(ref):
        raise ValueError(f"{len(outs)} outputs, expected {len(ref)}")
    worst = {"max_abs_diff": 0.0, "rel_err": 0.0}
    for got, want in zip(outs, ref):
        if got.shape != want.shape:
            raise ValueError(f"output shape {got.shape}, expected {want.shape}")
        diff = np.abs(got.astype(np.float64) - want)
        max_diff = float(np.max(diff)) if diff.size else 0.0
        if not math.isfinite(max_diff):
            return {"max_abs_diff": float("inf"), "rel_err": float("inf")}
        scale = max(float(np.max(np.abs(want))) if want.size else 0.0, 1e-30)
        worst["max_abs_diff"] = max(worst["max_abs_diff"], max_diff)
        worst["rel_err"] = max(worst["rel_err"], max_diff / scale)
    return worst


def _close(compiled):
    if compiled is not None:
        try:
            compiled.close()
        except Exception:
            pass


def _fail(entry, ready, name, error):
    """A system that fails while being timed: recorded, closed, dropped."""
    entry["systems"][name].update(status="failed",
                                  reason=f"while timing: {type(error).__name__}: {error}"[:800])
    log(traceback.format_exc(limit=3))
    _close(ready.pop(name))


def _time_calls(run, reps: int) -> float:
    t0 = time.perf_counter()
    for _ in range(reps):
        run()
    return (time.perf_counter() - t0) / reps


# Pause between two systems' samples: the previous system's worker threads
# (OpenMP, OpenBLAS, ORT and Eigen pools spin after a call) must be asleep
# before the next system is timed, or they take its second core.
GAP_S = 0.1
WARM_CALL_BELOW_S = 0.2


def measure(workload: Workload, systems, threads: int, rounds: int, sample_s: float,
            budget_s: float, gap_s: float = GAP_S) -> dict:
    graph = workload.build()
    entry = {"family": workload.family, "dtype": graph.dtype(), "flops": graph.flops(),
             "bytes": graph.compulsory_bytes(), "systems": {}}
    log(f"[{workload.name}] threads={threads}: reference")
    ref = reference.evaluate(graph)
    ready = {}
    for system in systems:
        rec = entry["systems"][system.name] = {}
        reason = system.available() or system.supports(graph)
        if reason:
            rec.update(status="unsupported", reason=reason)
            continue
        compiled = None
        try:
            log(f"[{workload.name}] {system.name}: build")
            t0 = time.perf_counter()
            compiled = system.build(graph, threads)
            compiled.run()
            outs = compiled.outputs()
            rec["compile_s"] = getattr(compiled, "compile_s", None) or time.perf_counter() - t0
            rec.update(compare(outs, ref))
            rec.update(getattr(compiled, "info", {}))
            del outs
        except Unsupported as e:
            rec.update(status="unsupported", reason=str(e))
            _close(compiled)
            continue
        except Exception as e:  # A peer's failure is recorded, not fatal.
            rec.update(status="failed", reason=f"{type(e).__name__}: {e}"[:800])
            log(traceback.format_exc(limit=3))
            _close(compiled)
            continue
        if not rec["rel_err"] <= TOLERANCE[entry["dtype"]]:
            rec.update(status="wrong", reason=f"error {rec['rel_err']:.3g} over the "
                       f"{TOLERANCE[entry['dtype']]:g} tolerance")
            compiled.close()
            continue
        rec["status"] = "ok"
        ready[system.name] = compiled
    del ref
    gc.collect()

    # Warm up, then size each sample to about sample_s (several calls for fast
    # workloads) and fit the rounds into the time budget.
    estimate = {}
    for name, c in list(ready.items()):
        try:
            estimate[name] = min(_time_calls(c.run, 1) for _ in range(2))
        except Exception as e:
            _fail(entry, ready, name, e)
    reps = {n: max(1, int(sample_s / max(t, 1e-7))) for n, t in estimate.items()}
    per_round = sum(reps[n] * estimate[n] for n in ready)
    n_rounds = max(3, min(rounds, int(budget_s / max(per_round, 1e-9))))
    samples = {n: [] for n in ready}
    names = list(ready)
    log(f"[{workload.name}] timing {len(names)} systems, {n_rounds} rounds")
    for r in range(n_rounds):
        order = names[r % len(names):] + names[:r % len(names)] if names else []
        for n in order:
            if n not in ready:
                continue
            try:
                if len(order) > 1:
                    time.sleep(gap_s)
                    # The pause leaves the core idle (the hypervisor may run
                    # another guest there): one untimed call warms the caches
                    # and the clock again, so samples measure steady state.
                    if estimate[n] < WARM_CALL_BELOW_S:
                        ready[n].run()
                samples[n].append(_time_calls(ready[n].run, reps[n]))
            except Exception as e:
                _fail(entry, ready, n, e)
    for n, c in ready.items():
        s = samples[n]
        entry["systems"][n].update(median_s=statistics.median(s), min_s=min(s), max_s=max(s), samples=s,
                                   rounds=len(s), calls_per_sample=reps[n])
        c.close()
    ready.clear()
    del graph
    gc.collect()
    return entry


def run(workloads, systems, threads: int, rounds: int, sample_s: float, budget_s: float,
        out_path: str):
    result = {"threads": threads, "workloads": {}}
    for w in workloads:
        try:
            result["workloads"][w.name] = measure(w, systems, threads, rounds, sample_s,
                                                  budget_s)
        except Exception as e:  # E.g. out of memory in the reference: go on.
            log(traceback.format_exc(limit=5))
            result["workloads"][w.name] = {"error": f"{type(e).__name__}: {e}"[:800],
                                           "systems": {}}
            continue
        with open(out_path, "w") as f:  # Written as it goes: a crash keeps the rest.
            json.dump(result, f, indent=1)
        summary = ", ".join(f"{n} {r['median_s'] * 1e3:.3f} ms" if r.get("status") == "ok"
                            else f"{n} {r.get('status')}"
                            for n, r in result["workloads"][w.name]["systems"].items())
        log(f"[{w.name}] threads={threads}: {summary}")
    return result
