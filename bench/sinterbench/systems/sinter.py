"""Sinter: the graph written as sinter-dialect MLIR, compiled ahead of time by
sinter-compile into a shared object, run through the runtime's C API: on the
CPU (Sinter) or on a CUDA device (SinterGpu, --target=nvptx)."""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
import time

import numpy as np

from ..graph import Graph, bf16_bits, from_bf16_bits, lower
from .base import Compiled, System, Unsupported, as_f64
from .sinter_runtime import DEVICE_CUDA, DeviceModel, Library, Model, Runtime

MLIR_TYPES = {"f32": "f32", "bf16": "bf16", "i32": "i32"}


def tensor_type(v) -> str:
    return "tensor<" + "".join(f"{d}x" for d in v.shape) + MLIR_TYPES[v.dtype] + ">"


def storage(x: np.ndarray, dtype: str) -> np.ndarray:
    """An array in the bytes the artifact expects (bf16 as its bit patterns)."""
    if dtype == "bf16":
        return bf16_bits(x)
    return np.ascontiguousarray(x, dtype=np.int32 if dtype == "i32" else np.float32)


class _Emitter:
    """Lowers graph nodes to sinter ops; each method returns the SSA name."""

    def __init__(self, graph: Graph, primitive_attention: bool = False):
        self.g = graph
        self.lines: list[str] = []
        self.count = 0
        # The unfused baseline writes attention in primitive ops: the
        # attention op alone is one flash kernel even with fusion off.
        self.primitive_attention = primitive_attention

    def _emit(self, text: str) -> str:
        name = f"%v{self.count}"
        self.count += 1
        self.lines.append(f"    {name} = {text}")
        return name

    def _ty(self, value_id) -> str:
        return tensor_type(self.g.values[value_id])

    def _broadcast_to(self, operand: str, operand_id: int, result) -> str:
        src = self.g.values[operand_id]
        if src.shape == result.shape:
            return operand
        rank, srank = len(result.shape), len(src.shape)
        dims = ", ".join(str(d) for d in range(rank - srank, rank))
        return self._emit(f"sinter.broadcast_in_dim {operand}, dims = [{dims}] : "
                          f"({tensor_type(src)}) -> {tensor_type(result)}")

    def matmul(self, n, a, b):
        attr = " {transpose_rhs}" if n.attrs["transpose_b"] else ""
        return self._emit(f"sinter.matmul {a}, {b}{attr} : ({self._ty(n.operands[0])}, "
                          f"{self._ty(n.operands[1])}) -> {tensor_type(n.result)}")

    def add(self, n, a, b):
        b = self._broadcast_to(b, n.operands[1], n.result)
        return self._emit(f"sinter.add {a}, {b} : {tensor_type(n.result)}")

    def gelu(self, n, x):
        return self._emit(f"sinter.gelu {n.attrs['approximate']} {x} : {tensor_type(n.result)}")

    def softmax(self, n, x):
        t = tensor_type(n.result)
        return self._emit(f"sinter.softmax {x}, axis = {len(n.result.shape) - 1} : ({t}) -> {t}")

    def layer_norm(self, n, x, gamma, beta):
        t = tensor_type(n.result)
        return self._emit(
            f"sinter.layer_norm {x} scale({gamma} : {self._ty(n.operands[1])}) "
            f"offset({beta} : {self._ty(n.operands[2])}) axis = {len(n.result.shape) - 1} "
            f"epsilon = {n.attrs['eps']:e} : {t} -> {t}")

    def reshape(self, n, x):
        return self._emit(f"sinter.reshape {x} : ({self._ty(n.operands[0])}) -> "
                          f"{tensor_type(n.result)}")

    def transpose(self, n, x):
        perm = ", ".join(map(str, n.attrs["perm"]))
        return self._emit(f"sinter.transpose {x}, perm = [{perm}] : "
                          f"({self._ty(n.operands[0])}) -> {tensor_type(n.result)}")

    def slice_last(self, n, x):
        src = self.g.values[n.operands[0]]
        rank = len(src.shape)
        start = [0] * (rank - 1) + [n.attrs["start"]]
        limit = list(src.shape[:-1]) + [n.attrs["stop"]]
        fmt = lambda xs: ", ".join(map(str, xs))
        return self._emit(f"sinter.slice {x}, start = [{fmt(start)}], limit = [{fmt(limit)}], "
                          f"strides = [{fmt([1] * rank)}] : ({tensor_type(src)}) -> "
                          f"{tensor_type(n.result)}")

    def attention(self, n, q, k, v):
        causal = " causal" if n.attrs["causal"] else ""
        types = ", ".join(self._ty(i) for i in n.operands)
        if self.primitive_attention:
            return self._primitive_attention(n, q, k, v)
        return self._emit(f"sinter.attention {q}, {k}, {v} scale = {n.attrs['scale']!r}{causal} "
                          f": {types} -> {tensor_type(n.result)}")

    def _primitive_attention(self, n, q, k, v):
        """softmax(q k^T * scale [masked]) v in primitive ops, as a model
        without a fused attention op writes it: the S x T scores in memory."""
        qv, kv = self.g.values[n.operands[0]], self.g.values[n.operands[1]]
        b, h, s, _ = qv.shape
        t = kv.shape[2]
        dtype = MLIR_TYPES[qv.dtype]
        ts = f"tensor<{b}x{h}x{s}x{t}x{dtype}>"
        scores = self._emit(f"sinter.matmul {q}, {k} {{transpose_rhs}} : ({self._ty(n.operands[0])}, "
                            f"{self._ty(n.operands[1])}) -> {ts}")
        scale = self._emit(f"sinter.constant dense<{n.attrs['scale']!r}> : {ts}")
        scores = self._emit(f"sinter.mul {scores}, {scale} : {ts}")
        if n.attrs["causal"]:
            idx = f"tensor<{s}x{t}xi64>"
            rows = self._emit(f"sinter.iota dim = 0 : {idx}")
            cols = self._emit(f"sinter.iota dim = 1 : {idx}")
            keep = self._emit(f"sinter.compare le, {cols}, {rows} : {idx}")
            mask = f"tensor<{b}x{h}x{s}x{t}xi1>"
            keep = self._emit(f"sinter.broadcast_in_dim {keep}, dims = [2, 3] : "
                              f"(tensor<{s}x{t}xi1>) -> {mask}")
            ninf = "0xFF800000" if dtype == "f32" else "0xFF80"
            fill = self._emit(f"sinter.constant dense<{ninf}> : {ts}")
            scores = self._emit(f"sinter.select {keep}, {scores}, {fill} : {mask}, {ts}")
        probs = self._emit(f"sinter.softmax {scores}, axis = 3 : ({ts}) -> {ts}")
        return self._emit(f"sinter.matmul {probs}, {v} : ({ts}, {self._ty(n.operands[2])}) -> "
                          f"{tensor_type(n.result)}")

    def embed(self, n, table, ids):
        return self._emit(f"sinter.gather {table}[{ids}] : ({self._ty(n.operands[0])}, "
                          f"{self._ty(n.operands[1])}) -> {tensor_type(n.result)}")


def to_mlir(graph: Graph, primitive_attention: bool = False) -> str:
    """The graph as a sinter-dialect module; weights are dense_resource blobs.
    With `primitive_attention`, attention is written in primitive ops."""
    em = _Emitter(graph, primitive_attention)
    env = {}
    args = []
    for i, (name, v) in enumerate(graph.inputs):
        args.append(f"%arg{i}: {tensor_type(v)} {{sinter.name = \"{name}\"}}")
        env[v.id] = f"%arg{i}"
    resources = []
    for i, (name, v, data) in enumerate(graph.params):
        key = f"param{i}"
        env[v.id] = em._emit(f"sinter.constant dense_resource<{key}> : {tensor_type(v)} "
                             f"{{sinter.name = \"{name}\"}}")
        blob = storage(data, v.dtype).tobytes()
        # A resource blob starts with its alignment as a little-endian u32.
        resources.append(f"      {key}: \"0x{(4).to_bytes(4, 'little').hex()}{blob.hex()}\"")
    outs = lower(graph, em, env)
    results = ", ".join(f"{tensor_type(v)} {{sinter.name = \"{name}\"}}"
                        for name, v in graph.outputs)
    text = ["module {", f"  func.func @main({', '.join(args)}) -> ({results}) {{", *em.lines,
            f"    return {', '.join(outs)} : {', '.join(tensor_type(v) for _, v in graph.outputs)}",
            "  }", "}"]
    if resources:
        text += ["{-#", "  dialect_resources: {", "    builtin: {", ",\n".join(resources),
                 "    }", "  }", "#-}"]
    return "\n".join(text) + "\n"


def compile_errors(stderr: str) -> str:
    """sinter-compile's diagnostics, without the IR that MLIR prints after a
    'see current operation' note (hundreds of kilobytes for a kernel)."""
    diags = [line[:300] for line in stderr.strip().splitlines()
             if re.search(r"\b(error|warning|note):", line)]
    return ("\n".join(diags) if diags else stderr.strip())[-2000:]


class _SinterCompiled(Compiled):
    def __init__(self, model: Model, graph: Graph, workdir):
        self.model, self.graph, self.workdir = model, graph, workdir

    def run(self):
        self.model.run()

    def outputs(self):
        outs = []
        for (name, v), arr in zip(self.graph.outputs, self.model.host_outputs()):
            outs.append(as_f64(from_bf16_bits(arr) if v.dtype == "bf16" else arr))
        return outs

    def close(self):
        self.model.close()
        self.workdir.cleanup()


class Sinter(System):
    """Sinter on the CPU: sinter-compile for this machine's CPU, a runtime of
    `threads` threads, the model run on host arrays."""
    name = "sinter"

    def __init__(self, build_dir: str, extra_flags: list[str] | None = None,
                 name: str = "sinter"):
        self.name = name
        self.compiler = os.path.join(build_dir, "bin", "sinter-compile")
        self.runtime_path = os.path.join(build_dir, "lib", "libsinter_runtime.so")
        self.extra_flags = extra_flags or []
        self._lib = None

    def available(self):
        for p in (self.compiler, self.runtime_path):
            if not os.path.exists(p):
                return f"{p} is not built"
        return None

    def _target_flags(self) -> list[str]:
        """sinter-compile's flags that pick the target (none: this CPU)."""
        return []

    def _load(self, so: str, threads: int) -> Model:
        return Model(self._lib, so, threads)

    def build(self, graph, threads):
        if self._lib is None:
            self._lib = Library(self.runtime_path)
        target = self._target_flags()  # Before compiling: may raise.
        workdir = tempfile.TemporaryDirectory(prefix=f"sinterbench-{graph.name}-")
        src = os.path.join(workdir.name, graph.name + ".mlir")
        so = os.path.join(workdir.name, graph.name + ".so")
        with open(src, "w") as f:
            # Fusion off: attention in primitives, the S x T baseline.
            f.write(to_mlir(graph, "--fusion=none" in self.extra_flags))
        t0 = time.perf_counter()
        proc = subprocess.run([self.compiler, src, "-o", so, *target, *self.extra_flags],
                              capture_output=True, text=True)
        compile_s = time.perf_counter() - t0
        if proc.returncode != 0:
            workdir.cleanup()
            raise RuntimeError(f"sinter-compile failed: {compile_errors(proc.stderr)}")
        t0 = time.perf_counter()
        try:
            model = self._load(so, threads)
        except Exception:
            workdir.cleanup()
            raise
        load_s = time.perf_counter() - t0
        by_name = {name: v for name, v in graph.inputs}
        try:
            model.bind_inputs([storage(graph.input_data[name], by_name[name].dtype)
                               for name, _, _ in model.input_infos])
        except Exception:
            model.close()
            workdir.cleanup()
            raise
        compiled = _SinterCompiled(model, graph, workdir)
        compiled.compile_s = compile_s
        compiled.info = self._info(load_s)
        return compiled

    def _info(self, load_s: float) -> dict:
        return {}


# sinter-compile --target=nvptx's architectures (docs/gpu.md), oldest first.
GPU_ARCHS = ("sm_80", "sm_86", "sm_89", "sm_90")


def gpu_arch(major: int, minor: int) -> str:
    """The architecture to compile for on a device of compute capability
    major.minor: its own, or else the newest older one Sinter supports (the
    driver JIT-compiles that PTX for the device)."""
    cc = 10 * major + minor
    older = [a for a in GPU_ARCHS if int(a[3:]) <= cc]
    if not older:
        raise Unsupported(f"compute capability {major}.{minor}: sinter-compile targets "
                          f"{', '.join(GPU_ARCHS)}")
    return older[-1]


class SinterGpu(Sinter):
    """Sinter on a CUDA device: sinter-compile --target=nvptx for the device's
    architecture (from sinter_runtime_device_info), one CUDA runtime for all
    workloads, inputs copied into device buffers once and outputs left in
    device buffers; a timed call is sinter_context_run, which returns when
    the kernels are done, as the other GPU systems synchronize after theirs.
    The outputs are copied back only to be checked."""

    def __init__(self, build_dir: str, extra_flags: list[str] | None = None,
                 name: str = "sinter", ordinal: int = 0):
        super().__init__(build_dir, extra_flags, name)
        self.ordinal = ordinal
        self._runtime = None
        self.device = None

    def _target_flags(self):
        if self._runtime is None:  # A failure is this workload's and is retried by the next.
            runtime = Runtime(self._lib, DEVICE_CUDA, self.ordinal)
            try:
                device = runtime.device_info()
                device["compile_arch"] = gpu_arch(*device["compute_capability"])
            except Exception:
                runtime.close()
                raise
            self._runtime, self.device = runtime, device
        return ["--target=nvptx", f"--gpu-arch={self.device['compile_arch']}"]

    def _load(self, so, threads):
        return DeviceModel(self._lib, so, self._runtime)

    def _info(self, load_s):
        # load_s: loading the artifact into the device (the cubin, or the
        # driver's JIT of the PTX when the device is not the compiled arch).
        return {"device": self.device["name"], "gpu_arch": self.device["compile_arch"],
                "load_s": load_s}
