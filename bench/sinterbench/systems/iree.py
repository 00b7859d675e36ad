"""IREE: the same JAX function exported as StableHLO (what a JAX user hands to
IREE), compiled by iree-compile for the host CPU (llvm-cpu, -target-cpu=host)
and run by the local-task driver."""

from __future__ import annotations

import time

import numpy as np

from .base import Compiled, System, as_f64
from .jax_xla import jax_function


class _IreeCompiled(Compiled):
    def __init__(self, fn, args):
        self.fn, self.args, self.out = fn, args, None

    def run(self):
        self.out = self.fn(*self.args)

    def outputs(self):
        outs = self.out if isinstance(self.out, (tuple, list)) else [self.out]
        return [as_f64(np.asarray(o.to_host()).astype(np.float32)) for o in outs]

    def close(self):
        self.fn = self.args = self.out = None


class Iree(System):
    name = "iree"

    def __init__(self):
        self.config = None

    def available(self):
        try:
            import iree.compiler  # noqa: F401
            import iree.runtime  # noqa: F401
            import jax  # noqa: F401
        except ImportError as e:
            return f"iree-base-compiler/iree-base-runtime/jax are not installed ({e})"
        return None

    def build(self, graph, threads):
        import iree.compiler as ic
        import iree.runtime as rt
        import jax
        import jax.numpy as jnp
        if self.config is None:
            # The task system's worker count; read when the driver is created.
            rt.flags.parse_flags(f"--task_topology_group_count={threads}")
            self.config = rt.Config("local-task")
        fn, args = jax_function(graph, jax, jnp, jax.devices("cpu")[0], f32_accumulation=True)
        # Lowered from host arrays: device-committed ones would add Shardy
        # sharding annotations that iree-compile does not read.
        host_args = [np.asarray(a) for a in args]
        stablehlo = jax.jit(fn).lower(*host_args).as_text()
        t0 = time.perf_counter()
        vmfb = ic.compile_str(stablehlo, target_backends=["llvm-cpu"], input_type="stablehlo",
                              extra_args=["--iree-llvmcpu-target-cpu=host"])
        compile_s = time.perf_counter() - t0
        ctx = rt.SystemContext(config=self.config)
        module = rt.VmModule.copy_buffer(ctx.instance, vmfb)
        ctx.add_vm_module(module)
        dev_args = [rt.asdevicearray(self.config.device, a) for a in host_args]
        c = _IreeCompiled(ctx.modules[module.name]["main"], dev_args)
        c.compile_s = compile_s
        c.ctx = ctx
        return c
