"""The BLAS baselines for plain matmul workloads: OpenBLAS's cblas_sgemm and
oneDNN's dnnl_sgemm / dnnl_gemm_bf16bf16f32 (Debian's libopenblas-dev and
libdnnl-dev), called through ctypes on preallocated buffers."""

from __future__ import annotations

import ctypes
import ctypes.util

import numpy as np

from ..graph import bf16_bits
from .base import Compiled, System, Unsupported, as_f64

OPENBLAS = "/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0"
ONEDNN = "libdnnl.so.2"


def plain_matmul(graph):
    """(a, b, M, N, K) when the graph is one matmul of its two inputs."""
    if len(graph.nodes) != 1 or graph.nodes[0].op != "matmul" or graph.params:
        raise Unsupported("only plain matmul workloads")
    (_, a), (_, b) = graph.inputs
    m, k = a.shape
    n = b.shape[1]
    return graph.input_data["a"], graph.input_data["b"], m, n, k


class _Gemm(Compiled):
    def __init__(self, call, c, keep):
        self.call, self.c, self.keep = call, c, keep  # keep: the inputs call() points at

    def run(self):
        self.call()

    def outputs(self):
        return [as_f64(self.c)]


class _BlasLibrary(System):
    """A BLAS loaded with ctypes; `available()` says so when it is missing."""
    library = ""

    def available(self):
        try:
            self.lib = ctypes.CDLL(self.library)
        except OSError as e:
            return f"{self.name} is not installed ({e})"
        return None


class OpenBLAS(_BlasLibrary):
    name = "openblas"
    library = OPENBLAS

    def supports(self, graph):
        if graph.nodes and graph.nodes[0].op == "matmul" and graph.dtype() != "f32":
            return "OpenBLAS has no bf16 GEMM in Debian 12's 0.3.21 build"
        return None

    def build(self, graph, threads):
        a, b, m, n, k = plain_matmul(graph)
        self.lib.openblas_set_num_threads(threads)
        c = np.empty((m, n), np.float32)
        f = self.lib.cblas_sgemm
        fp = ctypes.POINTER(ctypes.c_float)
        args = (101, 111, 111, m, n, k, ctypes.c_float(1.0), a.ctypes.data_as(fp), k,
                b.ctypes.data_as(fp), n, ctypes.c_float(0.0), c.ctypes.data_as(fp), n)
        return _Gemm(lambda: f(*args), c, (a, b))


class OneDNN(_BlasLibrary):
    name = "onednn"
    library = ONEDNN

    def build(self, graph, threads):
        a, b, m, n, k = plain_matmul(graph)
        # Debian's oneDNN threads with OpenMP: OMP_NUM_THREADS, set by the harness.
        c = np.empty((m, n), np.float32)
        i64 = ctypes.c_int64
        if graph.dtype() == "bf16":
            a, b = bf16_bits(a), bf16_bits(b)  # C stays f32: oneDNN's bf16 GEMM writes f32.
            f = self.lib.dnnl_gemm_bf16bf16f32
        else:
            f = self.lib.dnnl_sgemm
        f.restype = ctypes.c_int
        # dnnl_*gemm are row-major.
        args = (ctypes.c_char(b"N"), ctypes.c_char(b"N"), i64(m), i64(n), i64(k),
                ctypes.c_float(1.0), ctypes.c_void_p(a.ctypes.data), i64(k),
                ctypes.c_void_p(b.ctypes.data), i64(n), ctypes.c_float(0.0),
                ctypes.c_void_p(c.ctypes.data), i64(n))

        def call():
            status = f(*args)
            if status != 0:
                raise RuntimeError(f"oneDNN gemm returned status {status}")
        return _Gemm(call, c, (a, b))
