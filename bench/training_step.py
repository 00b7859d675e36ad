#!/usr/bin/env python3
"""One whole training step (forward, backward, AdamW) on the CPU: Sinter's
compiled step against PyTorch eager, torch.compile and JAX on the same model.

    bench/.venv/bin/python bench/training_step.py [--workloads small_gpt gpt2_block_s512]
        [--threads 1 2] [--systems sinter torch torch.compile jax] [--steps N]
        [--warmup K] [--build-dir build] [--json out.json]

or `bench/run.sh --training [ARGS]`, which builds and installs what it needs
first. Recorded in docs/performance.md ("Training step").

Every (workload, system, threads) runs in a subprocess of its own (this script
with --child): thread settings of torch and XLA are process-wide, and each run
is pinned to that many CPUs so a 1-thread run cannot borrow a second core.
All systems start from the same numpy-initialised weights and data, so their
losses over the warm-up steps must agree: the script prints the differences.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

# Sinter's GptConfig (frontend/models/Gpt.cpp): defaultSmallGptConfig, and
# gpt2SmallConfig with --seq=512 for one block. Shapes are checked against
# the compiled step's inputs, so a drift in Sinter's defaults fails loudly.
WORKLOADS = {
    "small_gpt": dict(kind="gpt", flags=["--model=gpt"], batch=1, seq=32, d=128,
                      heads=4, mlp=512, layers=2, vocab=512, steps=20),
    "gpt2_block_s512": dict(kind="block", batch=1, seq=512, d=768, heads=12, mlp=3072,
                            flags=["--model=gpt2-block", "--gpt2-small", "--seq=512"],
                            steps=10),
}
LN_EPS = 1e-5
# torch.optim.AdamW's defaults, which defaultOptimizerConfig(kAdamW) copies.
LR, BETA1, BETA2, ADAM_EPS, WEIGHT_DECAY = 1e-3, 0.9, 0.999, 1e-8, 0.01
SYSTEMS = ["sinter", "torch", "torch.compile", "jax"]
# f32 sums in different orders: the models agree to ~1e-5 (5e-6 measured on
# the block's 393k-element MSE); a different model or update is far off.
LOSS_RTOL = 1e-4


def init_params(cfg: dict, seed: int = 0) -> dict[str, np.ndarray]:
    """Sinter's names, layouts ([in, out] weights) and initialisers."""
    rng = np.random.default_rng(seed)
    normal = lambda std, *shape: (rng.standard_normal(shape) * std).astype(np.float32)
    ones = lambda n: np.ones(n, np.float32)
    zeros = lambda n: np.zeros(n, np.float32)
    d, mlp = cfg["d"], cfg["mlp"]
    p = {}
    if cfg["kind"] == "gpt":
        p["wte"] = normal(0.02, cfg["vocab"], d)
        p["wpe"] = normal(0.01, cfg["seq"], d)
    for i in range(cfg.get("layers", 1)):
        h = f"h.{i}."
        p[h + "ln_1.weight"], p[h + "ln_1.bias"] = ones(d), zeros(d)
        p[h + "attn.c_attn.weight"] = normal(0.02, d, 3 * d)
        p[h + "attn.c_attn.bias"] = zeros(3 * d)
        p[h + "attn.c_proj.weight"], p[h + "attn.c_proj.bias"] = normal(0.02, d, d), zeros(d)
        p[h + "ln_2.weight"], p[h + "ln_2.bias"] = ones(d), zeros(d)
        p[h + "mlp.c_fc.weight"], p[h + "mlp.c_fc.bias"] = normal(0.02, d, mlp), zeros(mlp)
        p[h + "mlp.c_proj.weight"], p[h + "mlp.c_proj.bias"] = normal(0.02, mlp, d), zeros(d)
    if cfg["kind"] == "gpt":
        p["ln_f.weight"], p["ln_f.bias"] = ones(d), zeros(d)
    return p


def make_batch(cfg: dict, seed: int = 1) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    b, s = cfg["batch"], cfg["seq"]
    if cfg["kind"] == "gpt":
        ids = rng.integers(0, cfg["vocab"], (b, s), dtype=np.int32)
        labels = np.full((b, s), -100, np.int32)  # the last position: ignored
        labels[:, :-1] = ids[:, 1:]
        return {"input_ids": ids, "labels": labels}
    return {"x": rng.standard_normal((b, s, cfg["d"]), np.float32),
            "target": rng.standard_normal((b, s, cfg["d"]), np.float32)}


def rss_kib(field: str = "VmRSS") -> int:
    for line in open("/proc/self/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(field)


def reset_peak_rss():
    # Linux >= 4.0: "5" resets VmHWM to the current RSS, so the peak read
    # afterwards is the timed steps' own, not setup's or the compiler's.
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")


# ----------------------------------------------------------------------------
# Sinter: the runtime's C API through the bench's ctypes binding.

NUMPY_OF_DTYPE = {0: np.float32, 4: np.int32, 5: np.int64}


def sinter_step(cfg, params, batch, artifact, threads, build_dir):
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from sinterbench.systems.sinter_runtime import Library, Runtime, TensorInfo, TensorView
    if "in_place_of" not in dict(TensorInfo._fields_):
        # The runtime would write past the end of an older, shorter struct.
        raise RuntimeError("sinter_runtime.py's TensorInfo lacks in_place_of")
    lib = Library(os.path.join(build_dir, "lib", "libsinter_runtime.so"))
    L, check = lib.lib, lib.check
    runtime = Runtime(lib, threads=threads)
    model, context = ctypes.c_void_p(), ctypes.c_void_p()
    check(L.sinter_model_load_file(runtime.handle, artifact.encode(), ctypes.byref(model)))
    check(L.sinter_context_create(model, ctypes.byref(context)))

    def infos(count, getter):
        out = []
        for i in range(count(model)):
            info = TensorInfo()
            check(getter(model, i, ctypes.byref(info)))
            out.append((info.name.decode(), info.dtype,
                        tuple(info.shape[d] for d in range(info.rank)), info.in_place_of))
        return out

    ins = infos(L.sinter_model_num_inputs, L.sinter_model_input_info)
    outs = infos(L.sinter_model_num_outputs, L.sinter_model_output_info)
    scalars = {"lr": np.array(LR, np.float32), "step": np.array(0, np.int32)}
    arrays = []
    for name, dtype, shape, _ in ins:
        if name in params or name in batch or name in scalars:
            a = params.get(name, batch.get(name, scalars.get(name)))
        elif name.endswith((".exp_avg", ".exp_avg_sq")) and name.rsplit(".", 1)[0] in params:
            a = np.zeros(shape, np.float32)  # AdamW state before the first step
        else:
            raise RuntimeError(f"sinter: unexpected input {name!r}")
        if a.shape != shape or a.dtype != NUMPY_OF_DTYPE[dtype]:
            raise RuntimeError(f"sinter: input {name!r} is {NUMPY_OF_DTYPE[dtype].__name__}"
                               f"{list(shape)} in the artifact but {a.dtype}{list(a.shape)} here")
        arrays.append(np.require(a, requirements="C"))  # keeps 0-d scalars 0-d
    if missing := set(params) - {n for n, *_ in ins}:
        raise RuntimeError(f"sinter: parameters missing from the step: {sorted(missing)}")

    keep = []  # shape arrays the views point to

    def view(a):
        shape = (ctypes.c_int64 * max(a.ndim, 1))(*a.shape)
        keep.append(shape)
        dtype = next(k for k, t in NUMPY_OF_DTYPE.items() if t == a.dtype)
        return TensorView(a.ctypes.data, a.nbytes, dtype, a.ndim, shape)

    in_views = (TensorView * len(arrays))(*[view(a) for a in arrays])
    # "next.X" overwrites X: handing it X's own buffer updates the state in
    # place (no copy); everything else (the loss) gets a buffer of its own.
    own = {}
    out_views = (TensorView * len(outs))()
    for i, (name, dtype, shape, in_place_of) in enumerate(outs):
        if in_place_of:
            target = ins[in_place_of - 1][0]
            if name != "next." + target:
                raise RuntimeError(f"sinter: output {name!r} overwrites {target!r}")
            out_views[i] = in_views[in_place_of - 1]
        else:
            own[name] = np.zeros(shape, NUMPY_OF_DTYPE[dtype])
            out_views[i] = view(own[name])
    loss, step = own["loss"], arrays[[n for n, *_ in ins].index("step")]

    def run():
        check(L.sinter_context_run(context, in_views, len(arrays), out_views, len(outs)))
        return float(loss)

    run.keep = keep

    memory = {"workspace_bytes": L.sinter_model_workspace_size(model),
              "io_bytes": sum(a.nbytes for a in arrays) + sum(a.nbytes for a in own.values())}
    return run, step, memory


# ----------------------------------------------------------------------------
# PyTorch: modules whose parameter names and layouts are Sinter's, so the
# same numpy arrays load into both (shared, not copied).

def torch_model(cfg):
    import torch
    import torch.nn.functional as F
    from torch import nn

    class Linear(nn.Module):  # GPT-2's Conv1D: weight [in, out]
        def __init__(self, i, o):
            super().__init__()
            self.weight, self.bias = nn.Parameter(torch.empty(i, o)), nn.Parameter(torch.empty(o))

        def forward(self, x):
            return F.linear(x, self.weight.t(), self.bias)  # one addmm

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            d = cfg["d"]
            self.ln_1, self.ln_2 = nn.LayerNorm(d, eps=LN_EPS), nn.LayerNorm(d, eps=LN_EPS)
            self.attn = nn.Module()
            self.attn.c_attn, self.attn.c_proj = Linear(d, 3 * d), Linear(d, d)
            self.mlp = nn.Module()
            self.mlp.c_fc, self.mlp.c_proj = Linear(d, cfg["mlp"]), Linear(cfg["mlp"], d)

        def forward(self, x):
            b, s, d = x.shape
            heads = lambda t: t.view(b, s, cfg["heads"], d // cfg["heads"]).transpose(1, 2)
            q, k, v = self.attn.c_attn(self.ln_1(x)).split(d, dim=-1)
            a = F.scaled_dot_product_attention(heads(q), heads(k), heads(v), is_causal=True)
            x = x + self.attn.c_proj(a.transpose(1, 2).reshape(b, s, d))
            h = F.gelu(self.mlp.c_fc(self.ln_2(x)), approximate="tanh")
            return x + self.mlp.c_proj(h)

    class Gpt(nn.Module):
        def __init__(self):
            super().__init__()
            self.wte = nn.Parameter(torch.empty(cfg["vocab"], cfg["d"]))
            self.wpe = nn.Parameter(torch.empty(cfg["seq"], cfg["d"]))
            self.h = nn.ModuleList(Block() for _ in range(cfg["layers"]))
            self.ln_f = nn.LayerNorm(cfg["d"], eps=LN_EPS)

        def forward(self, ids, labels):
            x = self.wte[ids] + self.wpe
            for block in self.h:
                x = block(x)
            logits = self.ln_f(x) @ self.wte.t()  # tied head
            return F.cross_entropy(logits.flatten(0, 1), labels.flatten(), ignore_index=-100)

    class OneBlock(nn.Module):
        def __init__(self):
            super().__init__()
            self.h = nn.ModuleList([Block()])

        def forward(self, x, target):
            return F.mse_loss(self.h[0](x), target)

    return Gpt() if cfg["kind"] == "gpt" else OneBlock()


def torch_step(cfg, params, batch, threads, compiled):
    import torch
    torch.set_num_threads(threads)
    model = torch_model(cfg)
    for name, p in model.named_parameters():
        p.data = torch.from_numpy(params[name])
    if set(params) != {n for n, _ in model.named_parameters()}:
        raise RuntimeError("torch: parameter names differ from Sinter's")
    args = [torch.from_numpy(batch[k]) for k in batch]
    if cfg["kind"] == "gpt":
        args = [args[0].long(), args[1].long()]  # indexing and cross_entropy want int64
    # On CPU the default AdamW is the single-tensor loop (foreach defaults on
    # only for CUDA tensors).
    opt = torch.optim.AdamW(model.parameters(), lr=LR, betas=(BETA1, BETA2), eps=ADAM_EPS,
                            weight_decay=WEIGHT_DECAY)
    forward, update = model, opt.step
    if compiled:
        # The forward and loss (its backward comes from AOTAutograd) and the
        # optimizer step are compiled as two graphs; loss.backward() between
        # them would break one whole-step graph anyway.
        forward, update = torch.compile(model, dynamic=False), torch.compile(opt.step)

    def run():
        opt.zero_grad(set_to_none=True)
        loss = forward(*args)
        loss.backward()
        update()
        return loss.item()

    def graphs():
        from torch._dynamo.utils import counters
        return counters["stats"]["unique_graphs"]

    return run, graphs


# ----------------------------------------------------------------------------
# JAX: the same model in jax.numpy; value_and_grad and the AdamW update are
# one jitted function that donates the parameters and the state.

def jax_step(cfg, params, batch):
    import jax
    import jax.numpy as jnp

    def ln(P, prefix, x):
        mean = x.mean(-1, keepdims=True)
        var = jnp.square(x - mean).mean(-1, keepdims=True)
        y = (x - mean) * jax.lax.rsqrt(var + LN_EPS)
        return y * P[prefix + ".weight"] + P[prefix + ".bias"]

    def linear(P, prefix, x):
        return x @ P[prefix + ".weight"] + P[prefix + ".bias"]

    def block(P, h, x):
        b, s, d = x.shape
        heads = lambda t: t.reshape(b, s, cfg["heads"], d // cfg["heads"])  # [B, S, H, Dh]
        q, k, v = jnp.split(linear(P, h + "attn.c_attn", ln(P, h + "ln_1", x)), 3, axis=-1)
        a = jax.nn.dot_product_attention(heads(q), heads(k), heads(v), is_causal=True)
        x = x + linear(P, h + "attn.c_proj", a.reshape(b, s, d))
        m = jax.nn.gelu(linear(P, h + "mlp.c_fc", ln(P, h + "ln_2", x)), approximate=True)
        return x + linear(P, h + "mlp.c_proj", m)

    def loss_fn(P, inputs):
        if cfg["kind"] == "block":
            return jnp.mean(jnp.square(block(P, "h.0.", inputs["x"]) - inputs["target"]))
        ids, labels = inputs["input_ids"], inputs["labels"]
        x = P["wte"][ids] + P["wpe"]
        for i in range(cfg["layers"]):
            x = block(P, f"h.{i}.", x)
        logits = ln(P, "ln_f", x) @ P["wte"].T
        kept = labels != -100
        picked = jnp.take_along_axis(logits, jnp.where(kept, labels, 0)[..., None], -1)[..., 0]
        per_token = jax.nn.logsumexp(logits, -1) - picked
        return jnp.sum(jnp.where(kept, per_token, 0.0)) / jnp.maximum(kept.sum(), 1)

    def train_step(P, m, v, step, lr, inputs):
        loss, g = jax.value_and_grad(loss_fn)(P, inputs)
        t = (step + 1).astype(jnp.float32)
        m = jax.tree.map(lambda m, g: BETA1 * m + (1 - BETA1) * g, m, g)
        v = jax.tree.map(lambda v, g: BETA2 * v + (1 - BETA2) * g * g, v, g)
        bc1, bc2 = 1 - BETA1 ** t, 1 - BETA2 ** t

        def update(p, m, v):  # torch.optim.AdamW's formula, decay decoupled
            denom = jnp.sqrt(v) / jnp.sqrt(bc2) + ADAM_EPS
            return p * (1 - lr * WEIGHT_DECAY) - lr / bc1 * m / denom

        return loss, jax.tree.map(update, P, m, v), m, v, step + 1

    step_fn = jax.jit(train_step, donate_argnums=(0, 1, 2))
    state = {"P": {k: jnp.asarray(a) for k, a in params.items()}}
    params.clear()  # the numpy copies would count against JAX's memory
    state["m"] = jax.tree.map(jnp.zeros_like, state["P"])
    state["v"] = jax.tree.map(jnp.zeros_like, state["P"])
    state["step"], lr = jnp.asarray(0, jnp.int32), jnp.asarray(LR, jnp.float32)
    inputs = {k: jnp.asarray(a) for k, a in batch.items()}

    def run():
        old = state["P"]
        loss, state["P"], state["m"], state["v"], state["step"] = jax.block_until_ready(
            step_fn(state["P"], state["m"], state["v"], state["step"], lr, inputs))
        state["donated"] = all(a.is_deleted() for a in jax.tree.leaves(old))
        return float(loss)

    return run, state


# ----------------------------------------------------------------------------

def warm_library(system, threads):
    if system.startswith("torch"):
        import torch
        import torch.nn.functional as F
        torch.set_num_threads(threads)
        x = torch.randn(1, 2, 8, 4, requires_grad=True)
        y = F.scaled_dot_product_attention(x, x, x, is_causal=True)
        F.gelu(F.layer_norm(y, (4,)), approximate="tanh").sum().backward()
        torch.optim.AdamW([x]).step()
    elif system == "jax":
        import jax
        import jax.numpy as jnp
        jax.jit(jax.value_and_grad(lambda x: jnp.sum(jax.nn.gelu(x @ x.T))))(jnp.ones((4, 4)))


def child(args):
    """One system at one thread count; prints its result as JSON."""
    cfg = WORKLOADS[args.workload]
    params, batch = init_params(cfg), make_batch(cfg)
    # The RSS baseline is taken once the library has run a tiny step of its
    # own: its first use loads code and modules (torch's first AdamW step
    # imports ~150 MiB of dynamo) that are no model's memory. Nothing is
    # compiled before the model's first call, so compile times stay cold.
    warm_library(args.system, args.threads)
    baseline = rss_kib() - sum(a.nbytes for a in params.values()) // 1024
    extra = {}
    if args.system == "sinter":
        run, step_counter, extra = sinter_step(cfg, params, batch, args.artifact, args.threads,
                                               args.build_dir)
    elif args.system.startswith("torch"):
        run, graphs = torch_step(cfg, params, batch, args.threads, args.system == "torch.compile")
    else:
        run, jax_state = jax_step(cfg, params, batch)
    del params

    losses, warm_s = [], []
    for i in range(args.warmup):
        t0 = time.perf_counter()
        losses.append(run())
        warm_s.append(time.perf_counter() - t0)
        if i == 0 and args.system == "sinter" and int(step_counter) != 1:
            raise RuntimeError(f"sinter: the step counter is {int(step_counter)} after one step")
    if not all(np.isfinite(losses)):
        raise RuntimeError(f"{args.system}: non-finite loss {losses}")

    before = rss_kib()
    reset_peak_rss()
    times = []
    for _ in range(args.steps):
        t0 = time.perf_counter()
        last = run()
        times.append((time.perf_counter() - t0) * 1e3)
    peak = rss_kib("VmHWM")
    if not np.isfinite(last):
        raise RuntimeError(f"{args.system}: non-finite loss {last} after the timed steps")

    median = statistics.median(times)
    result = {"median_ms": median, "min_ms": min(times), "times_ms": times,
              "warmup_losses": losses, "last_loss": last,
              "first_call_s": warm_s[0],
              # What the warm-up took beyond steady-state steps: catches a
              # second compile (e.g. after the optimizer state appears).
              "warmup_excess_s": sum(warm_s) - len(warm_s) * median / 1e3,
              "rss_peak_mib": (peak - baseline) / 1024,
              "rss_step_mib": (peak - before) / 1024}
    if args.system == "sinter":
        if int(step_counter) != args.warmup + args.steps:
            raise RuntimeError(f"sinter: step counter {int(step_counter)} after "
                               f"{args.warmup + args.steps} steps")
        result.update(extra)
    elif args.system == "torch.compile":
        result["graphs_compiled"] = graphs()
        if not result["graphs_compiled"]:
            raise RuntimeError("torch.compile compiled no graph")
    elif args.system == "jax":
        result["donated"] = jax_state["donated"]
    print("RESULT " + json.dumps(result))


def child_env(system, threads, cache_dir):
    env = dict(os.environ)
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        env[var] = str(threads)
    if system == "jax" and threads == 1:
        # XLA has no intra-op thread-count flag; this turns off Eigen's pool
        # and the CPU affinity does the rest.
        flags = env.get("XLA_FLAGS", "") + " --xla_cpu_multi_thread_eigen=false"
        env["XLA_FLAGS"] = flags.strip()
    env["TORCHINDUCTOR_CACHE_DIR"] = os.path.join(cache_dir, "inductor")  # a cold compile
    return env


def pin(threads):
    cpus = sorted(os.sched_getaffinity(0))
    if threads > len(cpus):
        raise SystemExit(f"--threads {threads}: only {len(cpus)} CPUs are available")
    return lambda: os.sched_setaffinity(0, set(cpus[:threads]))


def build_sinter(name, cfg, build_dir, out_dir, threads):
    """The step's MLIR and its shared object; the compile is pinned like the
    runs so its seconds compare with the peers' first calls."""
    mlir, so = os.path.join(out_dir, name + ".mlir"), os.path.join(out_dir, name + ".so")
    t0 = time.perf_counter()
    subprocess.run([os.path.join(build_dir, "bin", "sinter-model"), *cfg["flags"],
                    "--train=adamw", "-o", mlir], check=True, stdout=subprocess.DEVNULL)
    t1 = time.perf_counter()
    subprocess.run([os.path.join(build_dir, "bin", "sinter-compile"), mlir, "-o", so],
                   check=True, preexec_fn=pin(threads))
    return so, t1 - t0, time.perf_counter() - t1


def cpu_summary() -> str:
    info = open("/proc/cpuinfo").read()
    model = next((l.split(":", 1)[1].strip() for l in info.splitlines()
                  if l.startswith("model name")), "unknown")
    flags = set(next((l.split(":", 1)[1].split() for l in info.splitlines()
                      if l.startswith("flags")), []))
    has = lambda f: "yes" if f in flags else "no"
    amx = sorted(f for f in flags if f.startswith("amx"))
    return (f"CPU: {model}, {len(os.sched_getaffinity(0))} CPUs; avx2 {has('avx2')}, "
            f"avx512f {has('avx512f')}, amx {' '.join(amx) if amx else 'no'}")


def table(rows) -> str:
    sinter = {r["threads"]: r["median_ms"] for r in rows
              if r["system"] == "sinter" and "median_ms" in r}
    lines = ["| system | threads | median ms | min ms | time / Sinter's | compile s "
             "| RSS peak MiB | planned MiB |", "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        if "error" in r:
            lines.append(f"| {r['system']} | {r['threads']} | failed: {r['error']} | | | | | |")
            continue
        ratio = f"{r['median_ms'] / sinter[r['threads']]:.2f}" if r["threads"] in sinter else "-"
        compile_s = f"{r['compile_s']:.1f}" if r.get("compile_s") is not None else "-"
        planned = (f"{(r['workspace_bytes'] + r['io_bytes']) / 2**20:.1f}"
                   if "workspace_bytes" in r else "-")
        lines.append(f"| {r['system']} | {r['threads']} | {r['median_ms']:.2f} "
                     f"| {r['min_ms']:.2f} | {ratio} | {compile_s} | {r['rss_peak_mib']:.1f} "
                     f"| {planned} |")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--workloads", nargs="+", choices=list(WORKLOADS), default=list(WORKLOADS))
    ap.add_argument("--threads", nargs="+", type=int, default=[1, 2])
    ap.add_argument("--systems", nargs="+", choices=SYSTEMS, default=SYSTEMS)
    ap.add_argument("--steps", type=int, help="timed steps (default: 20 small_gpt, 10 block)")
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--build-dir", default=os.path.join(
        os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "build"))
    ap.add_argument("--json", metavar="PATH")
    ap.add_argument("--child", nargs=3, metavar=("WORKLOAD", "SYSTEM", "THREADS"),
                    help=argparse.SUPPRESS)
    ap.add_argument("--artifact", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.warmup < 1:
        ap.error("--warmup must be >= 1 (the first step is the sanity check)")
    if args.child:
        args.workload, args.system, args.threads = args.child[0], args.child[1], int(args.child[2])
        args.steps = args.steps or WORKLOADS[args.workload]["steps"]
        return child(args)

    print(cpu_summary())
    print(f"f32; AdamW lr {LR}, betas ({BETA1}, {BETA2}), eps {ADAM_EPS}, weight decay "
          f"{WEIGHT_DECAY}; {args.warmup} warm-up steps, same inputs every step")
    print("torch.compile: the forward+loss module and opt.step compiled separately; compile s "
          "= its first step. jax: first call of the jitted step. sinter: sinter-compile.")
    print("RSS peak: VmHWM over the timed steps (reset first) minus the RSS before the "
          "model's arrays existed (library already warm). planned: Sinter's workspace + "
          "its inputs and outputs.\n")
    report = {"cpu": cpu_summary(), "workloads": {},
              "adamw": {"lr": LR, "betas": [BETA1, BETA2], "eps": ADAM_EPS,
                        "weight_decay": WEIGHT_DECAY}}
    scratch = tempfile.mkdtemp(prefix="training-step-")
    try:
        for name in args.workloads:
            cfg = WORKLOADS[name]
            steps = args.steps or cfg["steps"]
            rows, artifact, compile_s = [], None, None
            if "sinter" in args.systems:
                artifact, model_s, compile_s = build_sinter(name, cfg, args.build_dir, scratch,
                                                            min(args.threads))
                print(f"{name}: sinter-model {model_s:.1f} s, sinter-compile {compile_s:.1f} s "
                      f"(pinned to {min(args.threads)} CPU)", flush=True)
            for threads in args.threads:
                for system in args.systems:
                    cache = tempfile.mkdtemp(dir=scratch)
                    cmd = [sys.executable, os.path.abspath(__file__), "--child", name, system,
                           str(threads), "--steps", str(steps), "--warmup", str(args.warmup),
                           "--build-dir", args.build_dir, "--artifact", artifact or ""]
                    proc = subprocess.run(cmd, env=child_env(system, threads, cache),
                                          preexec_fn=pin(threads), capture_output=True, text=True)
                    row = {"system": system, "threads": threads}
                    out = [l for l in proc.stdout.splitlines() if l.startswith("RESULT ")]
                    if proc.returncode or not out:
                        err = proc.stderr.strip().splitlines()
                        row["error"] = err[-1] if err else f"exit {proc.returncode}"
                    else:
                        row.update(json.loads(out[-1][len("RESULT "):]))
                        row["compile_s"] = (compile_s if system == "sinter" else
                                            row["first_call_s"] if system != "torch" else None)
                    rows.append(row)
                    print(f"  {system} x{threads}: " + (row.get("error") or
                          f"{row['median_ms']:.2f} ms/step"), flush=True)
            print(f"\n### {name} ({steps} timed steps)\n\n{table(rows)}\n")
            for r in rows:
                if r["system"] == "sinter" and "workspace_bytes" in r:
                    print(f"Sinter planned memory ({r['threads']} thread(s)): workspace "
                          f"{r['workspace_bytes'] / 2**20:.1f} MiB + inputs/outputs "
                          f"{r['io_bytes'] / 2**20:.1f} MiB")
                    break
            # Same weights and data everywhere: the warm-up losses (the first
            # before any update, the next after 1, 2 AdamW steps) must agree.
            ref = next((r["warmup_losses"] for r in rows
                        if r["system"] == "sinter" and "warmup_losses" in r), None)
            for r in rows:
                if ref and r["system"] != "sinter" and "warmup_losses" in r:
                    diff = max(abs(a - b) / abs(b) for a, b in zip(r["warmup_losses"], ref))
                    r["loss_rel_diff_vs_sinter"] = diff
                    verdict = "ok" if diff < LOSS_RTOL else "MISMATCH"
                    print(f"{r['system']} x{r['threads']}: warm-up losses "
                          f"{', '.join(f'{x:.6f}' for x in r['warmup_losses'])} vs Sinter's "
                          f"{', '.join(f'{x:.6f}' for x in ref)}: max relative difference "
                          f"{diff:.1e} ({verdict})")
            print()
            report["workloads"][name] = {"steps": steps, "warmup": args.warmup, "rows": rows}
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=1)


if __name__ == "__main__":
    main()
