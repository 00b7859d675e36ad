"""The workload description every system builds from.

A workload is written once as a small dataflow graph (inputs, weights, ops,
outputs). Each system lowers the same graph with its own idiomatic API
(systems/*.py); the numpy reference evaluates it in float64. The graph also
knows its flop count and compulsory bytes, which give the roofline bound.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np

ELEMENT_BYTES = {"f32": 4, "bf16": 2, "i32": 4}


@dataclasses.dataclass
class Value:
    id: int
    shape: tuple
    dtype: str

    @property
    def numel(self) -> int:
        return math.prod(self.shape)

    @property
    def nbytes(self) -> int:
        return self.numel * ELEMENT_BYTES[self.dtype]


@dataclasses.dataclass
class Node:
    op: str
    operands: list  # ids of Values
    attrs: dict
    result: Value


def round_to_bf16(x: np.ndarray) -> np.ndarray:
    """f32 values rounded (to nearest even) to bf16 precision, still f32."""
    bits = np.ascontiguousarray(x, dtype=np.float32).view(np.uint32)
    rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) & 0xFFFF0000
    return rounded.astype(np.uint32).view(np.float32)


def bf16_bits(x: np.ndarray) -> np.ndarray:
    """The bf16 bit patterns of bf16-exact f32 values (uint16)."""
    return (np.ascontiguousarray(x, dtype=np.float32).view(np.uint32) >> 16).astype(np.uint16)


def from_bf16_bits(bits: np.ndarray) -> np.ndarray:
    return (bits.astype(np.uint32) << 16).view(np.float32)


class Graph:
    """A static graph. Data (inputs and weights) are f32 numpy arrays, already
    rounded to bf16 precision where the dtype is bf16, so every system casts
    them exactly."""

    def __init__(self, name: str, seed: int = 0):
        self.name = name
        self.rng = np.random.default_rng(seed)
        self.values: list[Value] = []
        self.nodes: list[Node] = []
        self.inputs: list[tuple[str, Value]] = []
        self.params: list[tuple[str, Value, np.ndarray]] = []
        self.outputs: list[tuple[str, Value]] = []
        self.input_data: dict[str, np.ndarray] = {}
        self._kind: dict[int, tuple] = {}  # id -> ("input", name) | ("param", i) | ("node", i)

    # -- leaves ------------------------------------------------------------
    def _new(self, shape, dtype) -> Value:
        v = Value(len(self.values), tuple(int(s) for s in shape), dtype)
        self.values.append(v)
        return v

    def _data(self, shape, dtype, scale=1.0, offset=0.0, high=None):
        if dtype == "i32":
            return self.rng.integers(0, high, size=shape, dtype=np.int32)
        x = (offset + scale * self.rng.standard_normal(shape)).astype(np.float32)
        return round_to_bf16(x) if dtype == "bf16" else x

    def input(self, name, shape, dtype="f32", high=None) -> Value:
        v = self._new(shape, dtype)
        self.inputs.append((name, v))
        self.input_data[name] = self._data(shape, dtype, high=high)
        self._kind[v.id] = ("input", name)
        return v

    def param(self, name, shape, dtype="f32", scale=0.02, offset=0.0) -> Value:
        v = self._new(shape, dtype)
        self._kind[v.id] = ("param", len(self.params))
        self.params.append((name, v, self._data(shape, dtype, scale, offset)))
        return v

    def output(self, name, v: Value):
        self.outputs.append((name, v))

    def kind(self, v: Value) -> tuple:
        return self._kind[v.id]

    # -- ops -----------------------------------------------------------------
    def _op(self, op, operands, shape, dtype, **attrs) -> Value:
        v = self._new(shape, dtype)
        self._kind[v.id] = ("node", len(self.nodes))
        self.nodes.append(Node(op, [o.id for o in operands], attrs, v))
        return v

    def matmul(self, a: Value, b: Value, transpose_b=False) -> Value:
        """a [..., M, K] times b [K, N] (or [N, K] with transpose_b)."""
        assert b.shape[0 if not transpose_b else 1] == a.shape[-1], (a.shape, b.shape)
        n = b.shape[0] if transpose_b else b.shape[1]
        return self._op("matmul", [a, b], a.shape[:-1] + (n,), a.dtype, transpose_b=transpose_b)

    def add(self, a: Value, b: Value) -> Value:
        """Elementwise add; b may be a trailing suffix of a's shape (bias)."""
        assert a.shape[len(a.shape) - len(b.shape):] == b.shape, (a.shape, b.shape)
        return self._op("add", [a, b], a.shape, a.dtype)

    def gelu(self, x: Value, approximate="tanh") -> Value:
        return self._op("gelu", [x], x.shape, x.dtype, approximate=approximate)

    def softmax(self, x: Value) -> Value:
        """Softmax over the last axis."""
        return self._op("softmax", [x], x.shape, x.dtype)

    def layer_norm(self, x: Value, gamma: Value, beta: Value, eps=1e-5) -> Value:
        """Layer norm over the last axis with an affine scale and offset."""
        return self._op("layer_norm", [x, gamma, beta], x.shape, x.dtype, eps=eps)

    def reshape(self, x: Value, shape) -> Value:
        assert math.prod(shape) == x.numel
        return self._op("reshape", [x], tuple(shape), x.dtype)

    def transpose(self, x: Value, perm) -> Value:
        return self._op("transpose", [x], tuple(x.shape[p] for p in perm), x.dtype, perm=tuple(perm))

    def slice_last(self, x: Value, start, stop) -> Value:
        return self._op("slice_last", [x], x.shape[:-1] + (stop - start,), x.dtype,
                        start=start, stop=stop)

    def attention(self, q: Value, k: Value, v: Value, scale: float, causal: bool) -> Value:
        """softmax(scale * q k^T [+ causal mask]) v over [B, H, S, D]. Causal
        needs S == T: systems disagree on where a rectangular mask lines up."""
        assert not causal or q.shape[-2] == k.shape[-2], (q.shape, k.shape)
        return self._op("attention", [q, k, v], q.shape[:-1] + (v.shape[-1],), q.dtype,
                        scale=scale, causal=causal)

    def embed(self, table: Value, ids: Value) -> Value:
        """table[ids]: gathers rows of a [vocab, d] table."""
        return self._op("embed", [table, ids], ids.shape + table.shape[1:], table.dtype)

    # -- what the machine must at least do -----------------------------------
    def flops(self) -> float:
        total = 0.0
        for n in self.nodes:
            shp = lambda i: self.values[n.operands[i]].shape
            if n.op == "matmul":
                total += 2.0 * n.result.numel * shp(0)[-1]
            elif n.op == "attention":
                b, h, s, d = shp(0)
                t = shp(1)[2]
                pairs = s * t if not n.attrs["causal"] else s * (s + 1) / 2
                total += 4.0 * b * h * pairs * d
        return total

    def compulsory_bytes(self) -> int:
        """Inputs, weights and outputs, each moved once."""
        return (sum(v.nbytes for _, v in self.inputs)
                + sum(v.nbytes for _, v, _ in self.params)
                + sum(v.nbytes for _, v in self.outputs))

    def dtype(self) -> str:
        return self.outputs[0][1].dtype


def lower(graph: Graph, impl: Any, env: dict) -> list:
    """Walks the graph calling impl.<op>(node, *operand values); `env` maps the
    ids of inputs and params to the system's values. Returns the outputs."""
    vals = dict(env)
    for n in graph.nodes:
        vals[n.result.id] = getattr(impl, n.op)(n, *[vals[i] for i in n.operands])
    return [vals[v.id] for _, v in graph.outputs]
