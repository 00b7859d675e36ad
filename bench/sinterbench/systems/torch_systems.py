"""PyTorch, eager and torch.compile (inductor), on the CPU or a CUDA device:
the graph as a function of torch ops; attention is
F.scaled_dot_product_attention, what a torch user writes."""

from __future__ import annotations

import time

import numpy as np

from ..graph import Graph, lower
from .base import Compiled, System, as_f64


class _TorchOps:
    def __init__(self, torch):
        self.torch = torch
        self.F = torch.nn.functional

    def matmul(self, n, a, b):
        return self.torch.matmul(a, b.t() if n.attrs["transpose_b"] else b)

    def add(self, n, a, b):
        return a + b

    def gelu(self, n, x):
        return self.F.gelu(x, approximate=n.attrs["approximate"])

    def softmax(self, n, x):
        return self.torch.softmax(x, dim=-1)

    def layer_norm(self, n, x, gamma, beta):
        return self.F.layer_norm(x, (x.shape[-1],), gamma, beta, n.attrs["eps"])

    def reshape(self, n, x):
        return x.reshape(n.result.shape)

    def transpose(self, n, x):
        return x.permute(*n.attrs["perm"])

    def slice_last(self, n, x):
        return x[..., n.attrs["start"]:n.attrs["stop"]]

    def attention(self, n, q, k, v):
        return self.F.scaled_dot_product_attention(q, k, v, is_causal=n.attrs["causal"],
                                                   scale=n.attrs["scale"])

    def embed(self, n, table, ids):
        return self.F.embedding(ids, table)


class _TorchCompiled(Compiled):
    def __init__(self, fn, args, torch, device):
        self.fn, self.args, self.torch, self.device = fn, args, torch, device
        self.out = None

    def run(self):
        with self.torch.inference_mode():
            self.out = self.fn(*self.args)
        if self.device == "cuda":
            self.torch.cuda.synchronize()

    def outputs(self):
        return [as_f64(o.float().cpu().numpy() if o.is_floating_point() else o.cpu().numpy())
                for o in self.out]

    def close(self):
        self.fn = self.args = self.out = None
        if self.device == "cuda":
            self.torch.cuda.empty_cache()


class Torch(System):
    def __init__(self, device: str = "cpu", compiled: bool = False):
        self.device, self.compiled = device, compiled
        self.name = "torch.compile" if compiled else "torch"

    def available(self):
        try:
            import torch
        except ImportError as e:
            return f"torch is not installed ({e})"
        if self.device == "cuda" and not torch.cuda.is_available():
            return "no CUDA device"
        return None

    def build(self, graph: Graph, threads: int):
        import torch
        if self.device == "cpu":
            torch.set_num_threads(threads)
        dt = {"f32": torch.float32, "bf16": torch.bfloat16, "i32": torch.int32}
        to = lambda data, dtype: torch.from_numpy(np.ascontiguousarray(data)).to(
            device=self.device, dtype=dt[dtype])
        consts = {v.id: to(data, v.dtype) for _, v, data in graph.params}
        ops = _TorchOps(torch)

        def fn(*inputs):
            env = dict(consts)
            env.update({v.id: x for (_, v), x in zip(graph.inputs, inputs)})
            return tuple(lower(graph, ops, env))

        args = [to(graph.input_data[name], v.dtype) for name, v in graph.inputs]
        t0 = time.perf_counter()
        if self.compiled:
            # Every build's `fn` shares one code object: without a reset,
            # dynamo would count each as a recompile and, past its cache
            # limit (8), silently run later workloads eagerly.
            torch._dynamo.reset()
            fn = torch.compile(fn, dynamic=False)
        c = _TorchCompiled(fn, args, torch, self.device)
        graphs_before = self._graphs_compiled(torch)
        c.run()  # torch.compile compiles on the first call.
        c.compile_s = time.perf_counter() - t0
        if self.compiled and self._graphs_compiled(torch) == graphs_before:
            raise RuntimeError("torch.compile compiled no graph (it would run eagerly)")
        return c

    @staticmethod
    def _graphs_compiled(torch) -> int:
        from torch._dynamo.utils import counters
        return counters["stats"]["unique_graphs"]
