"""XLA through JAX: the graph as a jax.numpy function, jit-compiled; weights
are closed-over constants, as a deployed model's would be."""

from __future__ import annotations

import math
import time

import numpy as np

from ..graph import Graph, lower
from .base import Compiled, System, as_f64


class _JaxOps:
    def __init__(self, jnp, jax, f32_accumulation):
        self.jnp, self.jax = jnp, jax
        # Products of bf16 accumulate in f32, as in every other system. XLA
        # does so by itself; IREE must be asked (it keeps bf16 partial sums
        # otherwise: 5% error at K=4096), and asking costs XLA a slower path.
        self.acc = jnp.float32 if f32_accumulation else None

    def matmul(self, n, a, b):
        out = self.jnp.matmul(a, b.T if n.attrs["transpose_b"] else b,
                              preferred_element_type=self.acc)
        return out.astype(a.dtype)

    def add(self, n, a, b):
        return a + b

    def gelu(self, n, x):
        return self.jax.nn.gelu(x, approximate=n.attrs["approximate"] == "tanh")

    def softmax(self, n, x):
        return self.jax.nn.softmax(x, axis=-1)

    def layer_norm(self, n, x, gamma, beta):
        jnp = self.jnp
        xf = x.astype(jnp.float32)
        mean = xf.mean(axis=-1, keepdims=True)
        var = jnp.mean(jnp.square(xf - mean), axis=-1, keepdims=True)
        y = (xf - mean) * self.jax.lax.rsqrt(var + n.attrs["eps"]) * gamma + beta
        return y.astype(x.dtype)

    def reshape(self, n, x):
        return x.reshape(n.result.shape)

    def transpose(self, n, x):
        return self.jnp.transpose(x, n.attrs["perm"])

    def slice_last(self, n, x):
        return x[..., n.attrs["start"]:n.attrs["stop"]]

    def attention(self, n, q, k, v):
        jnp = self.jnp
        s = jnp.einsum("bhsd,bhtd->bhst", q, k, preferred_element_type=self.acc)
        s = (s * n.attrs["scale"]).astype(q.dtype)
        if n.attrs["causal"]:
            S, T = s.shape[-2:]
            s = jnp.where(jnp.tril(jnp.ones((S, T), bool), T - S), s, -jnp.inf)
        p = self.jax.nn.softmax(s.astype(jnp.float32), axis=-1).astype(v.dtype)
        return jnp.einsum("bhst,bhtd->bhsd", p, v,
                          preferred_element_type=self.acc).astype(v.dtype)

    def embed(self, n, table, ids):
        return self.jnp.take(table, ids, axis=0)


def jax_dtype(jnp, dtype):
    return {"f32": jnp.float32, "bf16": jnp.bfloat16, "i32": jnp.int32}[dtype]


def jax_function(graph: Graph, jax, jnp, device, f32_accumulation=False):
    """The graph as a function of its inputs (weights captured as constants),
    and the inputs placed on `device`."""
    ops = _JaxOps(jnp, jax, f32_accumulation)
    consts = {v.id: jax.device_put(jnp.asarray(data, jax_dtype(jnp, v.dtype)), device)
              for _, v, data in graph.params}

    def fn(*inputs):
        env = dict(consts)
        env.update({v.id: x for (_, v), x in zip(graph.inputs, inputs)})
        return tuple(lower(graph, ops, env))

    args = [jax.device_put(jnp.asarray(graph.input_data[name], jax_dtype(jnp, v.dtype)), device)
            for name, v in graph.inputs]
    return fn, args


class _JaxCompiled(Compiled):
    def __init__(self, compiled, args, jax):
        self.compiled, self.args, self.jax = compiled, args, jax
        self.out = None

    def run(self):
        self.out = self.compiled(*self.args)
        self.jax.block_until_ready(self.out)

    def outputs(self):
        return [as_f64(np.asarray(o.astype("float32") if o.dtype != np.int32 else o))
                for o in self.out]

    def close(self):
        self.out = self.args = self.compiled = None


class Xla(System):
    name = "xla"

    def __init__(self, device: str = "cpu"):
        self.device_kind = device

    def available(self):
        try:
            import jax
        except ImportError as e:
            return f"jax is not installed ({e})"
        if self.device_kind == "cuda":
            try:
                jax.devices("gpu")
            except RuntimeError as e:
                return f"jax has no GPU backend ({e})"
        return None

    def build(self, graph, threads):
        import jax
        import jax.numpy as jnp
        platform = "gpu" if self.device_kind == "cuda" else "cpu"
        if platform == "gpu":  # JAX's GPU default is TF32; torch's is f32.
            jax.config.update("jax_default_matmul_precision", "highest")
        device = jax.devices(platform)[0]
        fn, args = jax_function(graph, jax, jnp, device)
        t0 = time.perf_counter()
        compiled = jax.jit(fn).lower(*args).compile()
        c = _JaxCompiled(compiled, args, jax)
        c.compile_s = time.perf_counter() - t0
        return c
