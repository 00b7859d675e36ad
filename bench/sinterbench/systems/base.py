"""What every system the harness measures provides."""

from __future__ import annotations

import abc

import numpy as np

from ..graph import Graph


class Unsupported(Exception):
    """The system cannot run this workload (the message says why)."""


class Compiled(abc.ABC):
    """One workload built by one system, with its inputs already in place.
    An interface: every system implements run() and outputs()."""

    @abc.abstractmethod
    def run(self) -> None:
        """One timed call; returns when the outputs are complete."""

    @abc.abstractmethod
    def outputs(self) -> list[np.ndarray]:
        """The last run's outputs as float64 (or int) numpy arrays."""

    def close(self) -> None:
        """Frees what the build holds (large workloads are built one at a time)."""


class System(abc.ABC):
    """An interface: every system implements build(); peers measured only for
    some workloads say so in supports()."""
    name = "?"

    def available(self) -> str | None:
        """None when this system can be used here, else why not."""
        return None

    def supports(self, graph: Graph) -> str | None:
        return None

    @abc.abstractmethod
    def build(self, graph: Graph, threads: int) -> Compiled:
        """Compiles `graph` for `threads` threads and places its inputs."""


def as_f64(x) -> np.ndarray:
    a = np.asarray(x)
    if a.dtype.kind in "iu":
        return a
    return a.astype(np.float64)
