"""The GPU mode's device limits, measured with PyTorch on the device: copy and
triad bandwidth (bytes read plus written), and the cuBLAS matmul rate in bf16
and f16 (tensor cores) and f32 (TF32 off). They are stored under the same
keys as the CPU limits so the report's roofline works unchanged."""

from __future__ import annotations


def _time_ms(torch, fn, reps: int) -> float:
    fn()
    torch.cuda.synchronize()
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    best = float("inf")
    for _ in range(3):
        start.record()
        for _ in range(reps):
            fn()
        end.record()
        end.synchronize()
        best = min(best, start.elapsed_time(end) / reps)
    return best


def device_limits(quick: bool) -> dict:
    try:
        import torch
    except ImportError as e:
        raise SystemExit(f"bench --gpu: torch is not installed ({e})")
    if not torch.cuda.is_available():
        raise SystemExit("bench --gpu: no CUDA device (torch.cuda.is_available() is False); "
                         "nothing was measured")
    props = torch.cuda.get_device_properties(0)
    n = (256 if quick else 2048) * 2**20 // 4
    a, b, c = (torch.empty(n, device="cuda") for _ in range(3))
    b.uniform_()
    c.uniform_()
    copy_ms = _time_ms(torch, lambda: a.copy_(b), 10)
    triad_ms = _time_ms(torch, lambda: torch.add(b, c, alpha=3.0, out=a), 10)
    del a, b, c
    size = 4096 if quick else 8192
    rates = {}
    torch.backends.cuda.matmul.allow_tf32 = False
    for name, dtype in (("bf16", torch.bfloat16), ("f16", torch.float16), ("f32", torch.float32)):
        x = torch.randn(size, size, device="cuda", dtype=dtype)
        y = torch.randn(size, size, device="cuda", dtype=dtype)
        ms = _time_ms(torch, lambda: torch.matmul(x, y), 5)
        rates[name] = 2 * size**3 / (ms * 1e-3) / 1e9
        del x, y
    torch.cuda.empty_cache()
    bytes_ = n * 4
    return {
        "device": props.name,
        "multiprocessors": props.multi_processor_count,
        "memory_bytes": props.total_memory,
        "llc_bytes": getattr(props, "L2_cache_size", 0),
        "copy_gbps": 2 * bytes_ / (copy_ms * 1e-3) / 1e9,
        "matmul_gflops": rates,
        "how": "torch on the device: copy_ and add(out=) over 3 arrays of "
               f"{bytes_ / 2**20:.0f} MiB; cuBLAS {size}^3 matmuls (TF32 off for f32)",
        # The keys the report's roofline reads (one 'thread': the device).
        "by_threads": {"1": {"f32_fma_gflops": rates["f32"], "bf16_dot_gflops": rates["bf16"],
                             "triad_gbps": 3 * bytes_ / (triad_ms * 1e-3) / 1e9}},
    }
