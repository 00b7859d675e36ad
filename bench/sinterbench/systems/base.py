"""What every system the harness measures provides."""

from __future__ import annotations

import numpy as np

from ..graph import Graph


class Unsupported(Exception):
    """The system cannot run this workload (the message says why)."""


class Compiled:
    """One workload built by one system, with its inputs already in place."""

    def run(self) -> None:
        """One timed call; returns when the outputs are complete."""
        raise NotImplementedError

    def outputs(self) -> list[np.ndarray]:
        """The last run's outputs as float64 (or int) numpy arrays."""
        raise NotImplementedError

    def close(self) -> None:
        """Frees what the build holds (large workloads are built one at a time)."""


class System:
    name = "?"
    # Peers measured only for some workloads say so in supports().

    def available(self) -> str | None:
        """None when this system can be used here, else why not."""
        return None

    def supports(self, graph: Graph) -> str | None:
        return None

    def build(self, graph: Graph, threads: int) -> Compiled:
        raise NotImplementedError


def as_f64(x) -> np.ndarray:
    a = np.asarray(x)
    if a.dtype.kind in "iu":
        return a
    return a.astype(np.float64)
