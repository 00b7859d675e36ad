"""Tests of the benchmark harness (bench/sinterbench) that need no peers:
the checks that keep a fast wrong answer from winning, every workload's graph
compiled by Sinter against the float64 reference, and the smoke run that
./test.sh makes of the whole harness (one tiny workload, Sinter only)."""

import json
import os
import shutil
import subprocess
import tempfile
import sys
import unittest

import numpy as np

from sinterbench import harness, report, workloads
from sinterbench.graph import Graph, bf16_bits, from_bf16_bits, round_to_bf16
from sinterbench.systems import reference
from sinterbench.systems.base import Compiled, System
from sinterbench.systems.sinter import Sinter, to_mlir

BUILD = os.environ.get("SINTER_BUILD_DIR", os.path.join(os.path.dirname(__file__), "../../build"))


class _Fake(System):
    """A peer whose outputs are the reference's, optionally perturbed."""

    def __init__(self, name, error):
        self.name, self.error = name, error

    def build(self, graph, threads):
        sys_self = self

        class C(Compiled):
            def run(self):
                pass

            def outputs(self):
                return [o * (1 + sys_self.error) for o in reference.evaluate(graph)]
        return C()


class HarnessUnitTest(unittest.TestCase):
    def test_bf16_rounding_is_exact_and_to_nearest_even(self):
        x = np.array([1.0, 1.00390625, 1.01171875, -3.140625, 1e-3], np.float32)
        r = round_to_bf16(x)
        self.assertTrue(np.array_equal(from_bf16_bits(bf16_bits(r)), r))
        # 1 + 2^-8 is halfway between 1 and 1 + 2^-7: ties go to even (1.0).
        self.assertEqual(r[1], 1.0)
        self.assertEqual(r[2], np.float32(1.015625))

    def test_wrong_answer_is_flagged_and_not_timed(self):
        wl = workloads.Workload("tiny", lambda: workloads.matmul(16, "f32"), "compute")
        entry = harness.measure(wl, [_Fake("right", 0.0), _Fake("wrong", 0.01)], 1, 3, 0.001,
                                0.1)
        self.assertEqual(entry["systems"]["right"]["status"], "ok")
        self.assertIn("median_s", entry["systems"]["right"])
        self.assertEqual(entry["systems"]["wrong"]["status"], "wrong")
        self.assertNotIn("median_s", entry["systems"]["wrong"])

    def test_failure_while_timing_is_recorded_and_the_rest_go_on(self):
        class Flaky(_Fake):
            def build(self, graph, threads):
                inner = super().build(graph, threads)
                calls = [0]

                class C(Compiled):
                    def run(self):
                        calls[0] += 1
                        if calls[0] > 3:
                            raise RuntimeError("device lost")

                    def outputs(self):
                        return inner.outputs()
                return C()
        wl = workloads.Workload("tiny", lambda: workloads.matmul(16, "f32"), "compute")
        entry = harness.measure(wl, [_Fake("steady", 0.0), Flaky("flaky", 0.0)], 1, 3, 0.001,
                                0.1, gap_s=0.0)
        self.assertEqual(entry["systems"]["steady"]["status"], "ok")
        self.assertEqual(entry["systems"]["flaky"]["status"], "failed")
        self.assertIn("device lost", entry["systems"]["flaky"]["reason"])

    def test_flops_and_bytes(self):
        g = workloads.matmul(64, "bf16")
        self.assertEqual(g.flops(), 2 * 64**3)
        self.assertEqual(g.compulsory_bytes(), 3 * 64 * 64 * 2)
        causal = workloads.attention(8, True, heads=2, dim=4)
        full = workloads.attention(8, False, heads=2, dim=4)
        self.assertEqual(full.flops(), 4 * 2 * 8 * 8 * 4)
        self.assertEqual(causal.flops(), 4 * 2 * (8 * 9 / 2) * 4)

    def test_roofline_takes_the_larger_bound(self):
        limits = {"llc_bytes": 1 << 20, "by_threads": {"1": {
            "f32_fma_gflops": 100.0, "bf16_dot_gflops": 50.0, "triad_gbps": 10.0}}}
        compute = {"dtype": "f32", "flops": 1e9, "bytes": 4 << 20}
        self.assertEqual(report.roofline_s(compute, limits, 1), (0.01, "compute"))
        memory = {"dtype": "f32", "flops": 1e3, "bytes": 1e9}
        self.assertEqual(report.roofline_s(memory, limits, 1), (0.1, "memory"))
        cached = {"dtype": "f32", "flops": 1e3, "bytes": 1 << 19}
        self.assertEqual(report.roofline_s(cached, limits, 1)[1], "compute")
        self.assertIsNone(report.roofline_s(compute, limits, 2))

    def test_unknown_workload_is_refused(self):
        with self.assertRaises(SystemExit):
            workloads.select(["no_such_workload"], False, False)


# Small versions of every workload family in the suite: the MLIR the harness
# writes must compile and match the reference in every dtype it uses.
SMALL = [
    lambda: workloads.matmul(67, "f32"),
    lambda: workloads.matmul(67, "bf16"),
    lambda: workloads.softmax(5, 768),
    lambda: workloads.layer_norm(5, 1000),
    lambda: workloads.gelu_mlp(9, 32, 64),
    lambda: workloads.attention(33, True, heads=3, dim=16),
    lambda: workloads.attention(33, False, heads=3, dim=16),
    lambda: workloads.gpt2_block(seq=24, d=64, heads=4, mlp=128),
    lambda: workloads.small_gpt(vocab=64, seq=8, layers=1, d=32, heads=2, mlp=64),
]


class WorkloadsCompileTest(unittest.TestCase):
    def test_every_workload_family_compiles_and_matches_the_reference(self):
        sinter = Sinter(BUILD)
        self.assertIsNone(sinter.available())
        for make in SMALL:
            g = make()
            with self.subTest(graph=g.name):
                text = to_mlir(g)
                self.assertIn("func.func @main", text)
                c = sinter.build(g, threads=2)
                try:
                    c.run()
                    err = harness.compare(c.outputs(), reference.evaluate(g))
                finally:
                    c.close()
                self.assertLessEqual(err["rel_err"], harness.TOLERANCE[g.dtype()], g.name)

    def test_compile_errors_are_reported(self):
        g = workloads.matmul(4, "f32")
        sinter = Sinter(BUILD, extra_flags=["--cpu=no-such-cpu"])
        with self.assertRaisesRegex(RuntimeError, "sinter-compile failed"):
            sinter.build(g, 1)


class SmokeRunTest(unittest.TestCase):
    def test_smoke_run_writes_the_report(self):
        out = os.environ.get("SINTER_BENCH_SMOKE_DIR", "/tmp/sinterbench-smoke")
        shutil.rmtree(out, ignore_errors=True)
        bench = os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../bench")
        proc = subprocess.run([sys.executable, "-m", "sinterbench", "all", "--smoke",
                               "--build-dir", BUILD, "--out-dir", out, "--no-chart"],
                              cwd=bench, capture_output=True, text=True)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        with open(os.path.join(out, "meta.json")) as f:
            meta = json.load(f)
        self.assertGreater(meta["limits"]["by_threads"]["1"]["f32_fma_gflops"], 0)
        self.assertGreater(meta["limits"]["by_threads"]["1"]["triad_gbps"], 0)
        for t in (1, 2):
            with open(os.path.join(out, f"threads{t}.json")) as f:
                r = json.load(f)["workloads"]["small_gpt"]["systems"]["sinter"]
            self.assertEqual(r["status"], "ok", r)
            self.assertLess(r["rel_err"], 1e-4)
            self.assertGreater(r["median_s"], 0)
        with open(out + ".md") as f:
            md = f.read()
        self.assertIn("| small_gpt | 1 |", md)
        self.assertIn("## Physical limits", md)


class TrainingStepSmokeTest(unittest.TestCase):
    """bench/training_step.py with Sinter alone (the peers need the venv):
    the step compiles, runs in place through the ctypes bindings (a stale
    struct there writes past its end), counts its steps and trains."""

    def test_sinter_step_runs_in_place_and_trains(self):
        script = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                              "../../bench/training_step.py")
        with tempfile.TemporaryDirectory() as tmp:
            report = os.path.join(tmp, "training.json")
            proc = subprocess.run([sys.executable, script, "--workloads", "small_gpt",
                                   "--systems", "sinter", "--threads", "1", "--steps", "2",
                                   "--warmup", "3", "--build-dir", BUILD, "--json", report],
                                  capture_output=True, text=True)
            self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
            with open(report) as f:
                rows = json.load(f)["workloads"]["small_gpt"]["rows"]
        self.assertEqual(len(rows), 1, rows)
        row = rows[0]
        self.assertNotIn("error", row)
        self.assertGreater(row["median_ms"], 0)
        # Three AdamW steps on one batch: the loss falls each time.
        losses = row["warmup_losses"]
        self.assertTrue(losses[0] > losses[1] > losses[2], losses)
        self.assertGreater(row["workspace_bytes"], 0)


if __name__ == "__main__":
    unittest.main()
