"""ONNX Runtime: the graph as an ONNX model (weights as initializers, standard
ONNX ops: MatMul, Gelu, Softmax, LayerNormalization; attention as
MatMul-Softmax-MatMul with an additive causal mask), run by the CPU execution
provider with every graph optimization on and outputs bound to preallocated
buffers (IO binding)."""

from __future__ import annotations

import time

import numpy as np

from ..graph import Graph, lower
from .base import Compiled, System, Unsupported, as_f64

OPSET = 20  # Gelu with approximate="tanh" needs 20.


class _OnnxOps:
    def __init__(self, helper, numpy_helper, TensorProto):
        self.h, self.nh, self.TP = helper, numpy_helper, TensorProto
        self.nodes, self.inits, self.count = [], [], 0

    def fresh(self, hint="t"):
        self.count += 1
        return f"{hint}{self.count}"

    def const(self, array):
        name = self.fresh("c")
        self.inits.append(self.nh.from_array(np.asarray(array), name))
        return name

    def node(self, op, inputs, **attrs):
        out = self.fresh(op.lower())
        self.nodes.append(self.h.make_node(op, inputs, [out], **attrs))
        return out

    def matmul(self, n, a, b):
        if n.attrs["transpose_b"]:
            b = self.node("Transpose", [b], perm=[1, 0])
        return self.node("MatMul", [a, b])

    def add(self, n, a, b):
        return self.node("Add", [a, b])

    def gelu(self, n, x):
        return self.node("Gelu", [x], approximate=n.attrs["approximate"])

    def softmax(self, n, x):
        return self.node("Softmax", [x], axis=-1)

    def layer_norm(self, n, x, gamma, beta):
        return self.node("LayerNormalization", [x, gamma, beta], axis=-1,
                         epsilon=n.attrs["eps"])

    def reshape(self, n, x):
        return self.node("Reshape", [x, self.const(np.array(n.result.shape, np.int64))])

    def transpose(self, n, x):
        return self.node("Transpose", [x], perm=list(n.attrs["perm"]))

    def slice_last(self, n, x):
        return self.node("Slice", [x, self.const(np.array([n.attrs["start"]], np.int64)),
                                   self.const(np.array([n.attrs["stop"]], np.int64)),
                                   self.const(np.array([-1], np.int64))])

    def attention(self, n, q, k, v):
        kt = self.node("Transpose", [k], perm=[0, 1, 3, 2])
        s = self.node("MatMul", [q, kt])
        s = self.node("Mul", [s, self.const(np.array(n.attrs["scale"], np.float32))])
        if n.attrs["causal"]:
            S, T = n.result.shape[-2], self.shape_of_k[-2]
            mask = np.where(np.tril(np.ones((S, T), bool), T - S), 0.0, -np.inf)
            s = self.node("Add", [s, self.const(mask.astype(np.float32))])
        return self.node("MatMul", [self.node("Softmax", [s], axis=-1), v])

    def embed(self, n, table, ids):
        return self.node("Gather", [table, ids], axis=0)


class _OrtCompiled(Compiled):
    def __init__(self, session, binding, outs):
        self.session, self.binding, self.outs = session, binding, outs

    def run(self):
        self.session.run_with_iobinding(self.binding)

    def outputs(self):
        return [as_f64(o) for o in self.outs]

    def close(self):
        self.session = self.binding = self.outs = None


class OnnxRuntime(System):
    name = "onnxruntime"

    def available(self):
        try:
            import onnx  # noqa: F401
            import onnxruntime  # noqa: F401
        except ImportError as e:
            return f"onnx/onnxruntime are not installed ({e})"
        return None

    def supports(self, graph: Graph):
        if graph.dtype() == "bf16":
            return "ONNX Runtime's CPU provider has no bf16 MatMul kernel"
        return None

    def build(self, graph: Graph, threads: int):
        import onnx
        import onnxruntime as ort
        from onnx import TensorProto, helper, numpy_helper
        ops = _OnnxOps(helper, numpy_helper, TensorProto)
        elem = {"f32": TensorProto.FLOAT, "i32": TensorProto.INT32}
        env = {}
        graph_inputs = []
        for name, v in graph.inputs:
            graph_inputs.append(helper.make_tensor_value_info(name, elem[v.dtype], v.shape))
            env[v.id] = name
        for name, v, data in graph.params:
            ops.inits.append(numpy_helper.from_array(data, name))
            env[v.id] = name
        # attention needs the key length for its mask.
        att = [n for n in graph.nodes if n.op == "attention"]
        ops.shape_of_k = graph.values[att[0].operands[1]].shape if att else None
        outs = lower(graph, ops, env)
        graph_outputs = []
        for (name, v), o in zip(graph.outputs, outs):
            ops.nodes.append(helper.make_node("Identity", [o], [name]))
            graph_outputs.append(helper.make_tensor_value_info(name, elem[v.dtype], v.shape))
        model = helper.make_model(
            helper.make_graph(ops.nodes, graph.name, graph_inputs, graph_outputs, ops.inits),
            opset_imports=[helper.make_opsetid("", OPSET)])
        onnx.checker.check_model(model, full_check=False)
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        t0 = time.perf_counter()
        session = ort.InferenceSession(model.SerializeToString(), opts,
                                       providers=["CPUExecutionProvider"])
        compile_s = time.perf_counter() - t0
        binding = session.io_binding()
        keep = []
        for name, v in graph.inputs:
            arr = np.ascontiguousarray(graph.input_data[name])
            keep.append(arr)
            binding.bind_cpu_input(name, arr)
        results = []
        for name, v in graph.outputs:
            out = np.empty(v.shape, np.float32)
            results.append(out)
            binding.bind_output(name, "cpu", 0, np.float32, list(v.shape), out.ctypes.data)
        c = _OrtCompiled(session, binding, results)
        c.keep = keep
        c.compile_s = compile_s
        return c
