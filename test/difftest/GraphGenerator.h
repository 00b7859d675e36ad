//===- GraphGenerator.h - Random well-typed sinter functions ----*- C++ -*-===//
//
// The generator of the differential tester: random functions of `sinter`
// ops (elementwise, compare/select, reductions, the composites, matmul,
// attention) over odd sizes, with inputs full of the values that break
// numerics (-0.0, NaN, inf, subnormals, huge and tiny magnitudes, rows that
// are entirely -inf or constant). A graph is a list of steps, so that a
// failing one can be shrunk step by step and printed again.
//
//===----------------------------------------------------------------------===//

#ifndef SINTER_TEST_DIFFTEST_GRAPHGENERATOR_H
#define SINTER_TEST_DIFFTEST_GRAPHGENERATOR_H

#include "compiler/Reference/Interpreter.h"

#include <cstdint>
#include <string>
#include <vector>

namespace sinter::difftest {

/// A tensor value of the function: an argument or a step's result.
struct Value {
  std::vector<int64_t> shape;
  std::string dtype; // f32, bf16, f16, i1
};

/// One op (or a short fixed sequence of ops) producing one value. `text`
/// uses %v<i> for value i and defines %v<result>.
struct Step {
  std::string text;
  std::vector<int> operands;
  int result = -1;
};

struct Graph {
  std::vector<Value> values; // arguments first, then step results
  int numArgs = 0;
  std::vector<Step> steps;
  std::vector<int> outputs;                  // values returned
  std::vector<reference::HostTensor> inputs; // one per argument
  std::string description;                   // e.g. "elementwise f32 [7, 33]"

  /// The function as MLIR text, `func.func @main`.
  std::string toMlir() const;
};

/// The graph of `seed` (the same on every machine).
Graph generateGraph(uint64_t seed);

/// Smaller graphs that may still fail the same way: each drops one step
/// (its uses take one of its operands of the same type instead) or one
/// output.
std::vector<Graph> shrinkCandidates(const Graph &graph);

} // namespace sinter::difftest

#endif // SINTER_TEST_DIFFTEST_GRAPHGENERATOR_H
