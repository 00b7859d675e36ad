"""The systems the harness compares. Peers are imported only when used, so the
harness runs with numpy alone when only Sinter is measured (the smoke test)."""

from __future__ import annotations

from .base import System

CPU_SYSTEMS = ["sinter", "openblas", "onednn", "xla", "iree", "torch", "torch.compile",
               "onnxruntime"]
# On the GPU, Sinter with fusion off is in the default list: the fused and
# unfused kernels of the new backend are compared in every run.
GPU_SYSTEMS = ["sinter", "sinter-unfused", "xla", "torch", "torch.compile"]
# Not in the CPU's default list: Sinter with fusion off, the baseline of its
# fusion (`--systems sinter sinter-unfused ...`).
EXTRA_CPU_SYSTEMS = ["sinter-unfused"]


def make(name: str, build_dir: str, device: str = "cpu") -> System:
    if name in ("sinter", "sinter-unfused"):
        from .sinter import Sinter, SinterGpu
        flags = ["--fusion=none"] if name == "sinter-unfused" else []
        return (Sinter if device == "cpu" else SinterGpu)(build_dir, flags, name=name)
    if name == "openblas":
        from .blas import OpenBLAS
        return OpenBLAS()
    if name == "onednn":
        from .blas import OneDNN
        return OneDNN()
    if name == "xla":
        from .jax_xla import Xla
        return Xla(device)
    if name == "iree":
        from .iree import Iree
        return Iree()
    if name in ("torch", "torch.compile"):
        from .torch_systems import Torch
        return Torch(device, compiled=name == "torch.compile")
    if name == "onnxruntime":
        from .onnxrt import OnnxRuntime
        return OnnxRuntime()
    raise SystemExit(f"unknown system '{name}'; known: "
                     f"{sorted(set(CPU_SYSTEMS + GPU_SYSTEMS + EXTRA_CPU_SYSTEMS))}")
