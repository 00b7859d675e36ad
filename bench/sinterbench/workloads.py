"""The benchmark suite: every workload is defined here once."""

from __future__ import annotations

import dataclasses
import math
from typing import Callable

from .graph import Graph


@dataclasses.dataclass
class Workload:
    name: str
    build: Callable[[], Graph]
    # "compute" (roofline = FMA peak) or "memory" (roofline = triad bandwidth);
    # the harness takes the larger of the two bounds either way.
    family: str
    quick: bool = False  # part of --quick
    gpu_quick: bool = False  # part of --gpu --quick
    smoke: bool = False  # part of the ./test.sh smoke test
    compile_time: bool = False  # its compile time is reported per system


def matmul(n: int, dtype: str) -> Graph:
    g = Graph(f"matmul_{n}_{dtype}")
    a = g.input("a", (n, n), dtype)
    b = g.input("b", (n, n), dtype)
    g.output("c", g.matmul(a, b))
    return g


def softmax(rows: int, cols: int) -> Graph:
    g = Graph(f"softmax_{rows}x{cols}")
    g.output("y", g.softmax(g.input("x", (rows, cols))))
    return g


def layer_norm(rows: int, cols: int) -> Graph:
    g = Graph(f"layer_norm_{rows}x{cols}")
    x = g.input("x", (rows, cols))
    gamma = g.param("gamma", (cols,), scale=0.1, offset=1.0)
    beta = g.param("beta", (cols,), scale=0.1)
    g.output("y", g.layer_norm(x, gamma, beta))
    return g


def linear(g: Graph, x, d_in: int, d_out: int, prefix: str):
    w = g.param(prefix + ".weight", (d_in, d_out), x.dtype)
    b = g.param(prefix + ".bias", (d_out,), x.dtype)
    return g.add(g.matmul(x, w), b)


def gelu_mlp(tokens: int = 512, d: int = 768, hidden: int = 3072) -> Graph:
    g = Graph(f"gelu_mlp_{tokens}x{d}x{hidden}")
    x = g.input("x", (tokens, d))
    h = g.gelu(linear(g, x, d, hidden, "fc1"))
    g.output("y", linear(g, h, hidden, d, "fc2"))
    return g


def attention(seq: int, causal: bool, heads: int = 12, dim: int = 64) -> Graph:
    g = Graph(f"attention_{heads}x{seq}x{dim}_{'causal' if causal else 'full'}")
    q, k, v = (g.input(n, (1, heads, seq, dim)) for n in "qkv")
    g.output("o", g.attention(q, k, v, 1.0 / math.sqrt(dim), causal))
    return g


def decoder_block(g: Graph, x, d: int, heads: int, mlp: int, prefix: str):
    """GPT-2's pre-LN decoder block: x + attn(ln_1(x)); then + mlp(ln_2(.))."""
    batch, seq, _ = x.shape
    hd = d // heads

    def ln(v, name):
        gamma = g.param(f"{prefix}.{name}.weight", (d,), scale=0.1, offset=1.0)
        beta = g.param(f"{prefix}.{name}.bias", (d,), scale=0.1)
        return g.layer_norm(v, gamma, beta)

    def heads_of(qkv, i):
        part = g.slice_last(qkv, i * d, (i + 1) * d)
        return g.transpose(g.reshape(part, (batch, seq, heads, hd)), (0, 2, 1, 3))

    qkv = linear(g, ln(x, "ln_1"), d, 3 * d, prefix + ".attn.c_attn")
    o = g.attention(heads_of(qkv, 0), heads_of(qkv, 1), heads_of(qkv, 2),
                    1.0 / math.sqrt(hd), causal=True)
    o = g.reshape(g.transpose(o, (0, 2, 1, 3)), (batch, seq, d))
    x = g.add(x, linear(g, o, d, d, prefix + ".attn.c_proj"))
    h = g.gelu(linear(g, ln(x, "ln_2"), d, mlp, prefix + ".mlp.c_fc"))
    return g.add(x, linear(g, h, mlp, d, prefix + ".mlp.c_proj"))


def gpt2_block(seq: int = 512, d: int = 768, heads: int = 12, mlp: int = 3072) -> Graph:
    g = Graph(f"gpt2_block_s{seq}")
    x = g.input("x", (1, seq, d))
    g.output("y", decoder_block(g, x, d, heads, mlp, "h.0"))
    return g


def small_gpt(vocab=512, seq=32, layers=2, d=128, heads=4, mlp=512) -> Graph:
    """The small GPT ./run.sh compiles (sinter-model --model gpt): token and
    position embeddings, pre-LN blocks, a final norm and tied logits."""
    g = Graph("small_gpt")
    ids = g.input("input_ids", (1, seq), "i32", high=vocab)
    wte = g.param("wte", (vocab, d))
    wpe = g.param("wpe", (seq, d))
    x = g.add(g.embed(wte, ids), wpe)
    for i in range(layers):
        x = decoder_block(g, x, d, heads, mlp, f"h.{i}")
    gamma = g.param("ln_f.weight", (d,), scale=0.1, offset=1.0)
    beta = g.param("ln_f.bias", (d,), scale=0.1)
    g.output("logits", g.matmul(g.layer_norm(x, gamma, beta), wte, transpose_b=True))
    return g


# Memory-bound inputs must be far larger than the last-level cache (260 MiB
# on the machine this was written on; an H100's L2 is 50 MiB): 384 MiB and
# 512 MiB of f32 input.
BIG_ROWS = {768: 131072, 32768: 4096}

SUITE = [
    Workload("matmul_256_f32", lambda: matmul(256, "f32"), "compute"),
    Workload("matmul_1024_f32", lambda: matmul(1024, "f32"), "compute", quick=True),
    Workload("matmul_4096_f32", lambda: matmul(4096, "f32"), "compute", gpu_quick=True),
    Workload("matmul_256_bf16", lambda: matmul(256, "bf16"), "compute"),
    Workload("matmul_1024_bf16", lambda: matmul(1024, "bf16"), "compute", quick=True),
    Workload("matmul_4096_bf16", lambda: matmul(4096, "bf16"), "compute", gpu_quick=True),
    Workload("softmax_rows768", lambda: softmax(BIG_ROWS[768], 768), "memory", quick=True,
             gpu_quick=True),
    Workload("softmax_rows32768", lambda: softmax(BIG_ROWS[32768], 32768), "memory",
             gpu_quick=True),
    Workload("layer_norm_rows768", lambda: layer_norm(BIG_ROWS[768], 768), "memory", quick=True,
             gpu_quick=True),
    Workload("layer_norm_rows32768", lambda: layer_norm(BIG_ROWS[32768], 32768), "memory"),
    Workload("gelu_mlp", gelu_mlp, "compute"),
    Workload("attention_s128_full", lambda: attention(128, False), "compute"),
    Workload("attention_s128_causal", lambda: attention(128, True), "compute"),
    Workload("attention_s512_full", lambda: attention(512, False), "compute"),
    Workload("attention_s512_causal", lambda: attention(512, True), "compute", quick=True,
             gpu_quick=True),
    Workload("attention_s2048_full", lambda: attention(2048, False), "compute", gpu_quick=True),
    Workload("attention_s2048_causal", lambda: attention(2048, True), "compute", gpu_quick=True),
    Workload("gpt2_block_s512", gpt2_block, "compute", compile_time=True, gpu_quick=True),
    Workload("small_gpt", small_gpt, "compute", quick=True, smoke=True, compile_time=True),
]


def select(names: list[str] | None, quick: bool, smoke: bool,
           gpu: bool = False) -> list[Workload]:
    if names:
        by_name = {w.name: w for w in SUITE}
        unknown = [n for n in names if n not in by_name]
        if unknown:
            raise SystemExit(f"unknown workload(s) {unknown}; known: {sorted(by_name)}")
        return [by_name[n] for n in names]
    if smoke:
        return [w for w in SUITE if w.smoke]
    if quick:
        return [w for w in SUITE if (w.gpu_quick if gpu else w.quick)]
    return list(SUITE)
