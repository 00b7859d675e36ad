"""The float64 numpy evaluation every system's outputs are checked against."""

from __future__ import annotations

import math

import numpy as np

from ..graph import Graph, lower


class _NumpyOps:
    def matmul(self, n, a, b):
        return a @ (b.T if n.attrs["transpose_b"] else b)

    def add(self, n, a, b):
        return a + b

    def gelu(self, n, x):
        if n.attrs["approximate"] == "tanh":
            return 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))
        erf = np.vectorize(math.erf, otypes=[np.float64])
        return 0.5 * x * (1 + erf(x / math.sqrt(2)))

    def softmax(self, n, x):
        e = np.exp(x - x.max(axis=-1, keepdims=True))
        e /= e.sum(axis=-1, keepdims=True)
        return e

    def layer_norm(self, n, x, gamma, beta):
        mean = x.mean(axis=-1, keepdims=True)
        centered = x - mean
        var = np.mean(centered * centered, axis=-1, keepdims=True)
        return centered / np.sqrt(var + n.attrs["eps"]) * gamma + beta

    def reshape(self, n, x):
        return x.reshape(n.result.shape)

    def transpose(self, n, x):
        return np.ascontiguousarray(x.transpose(n.attrs["perm"]))

    def slice_last(self, n, x):
        return x[..., n.attrs["start"]:n.attrs["stop"]]

    def attention(self, n, q, k, v):
        s = np.einsum("bhsd,bhtd->bhst", q, k) * n.attrs["scale"]
        if n.attrs["causal"]:
            S, T = s.shape[-2:]
            s = np.where(np.tril(np.ones((S, T), bool), T - S), s, -np.inf)
        return np.einsum("bhst,bhtd->bhsd", self.softmax(n, s), v)

    def embed(self, n, table, ids):
        return table[ids]


def evaluate(graph: Graph) -> list[np.ndarray]:
    env = {v.id: graph.input_data[name].astype(np.float64) if v.dtype != "i32"
           else graph.input_data[name] for name, v in graph.inputs}
    env.update({v.id: data.astype(np.float64) for _, v, data in graph.params})
    return lower(graph, _NumpyOps(), env)
