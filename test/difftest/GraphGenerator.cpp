//===- GraphGenerator.cpp - Random well-typed sinter functions ------------===//
//
// Two kinds of graph: "rows" graphs, a random chain of 2-8 steps over one
// shape [L..., R] (elementwise ops, compare/select masks, reductions
// broadcast back, softmax family, norms, matmul by an [R, R] weight, dtype
// round trips), and attention graphs (causal or not, with or without a
// bias that masks whole rows). Inputs are drawn per argument from a
// profile: plain values, a sprinkling of special values, masked rows,
// constant rows, huge or tiny magnitudes.
//
//===----------------------------------------------------------------------===//

#include "test/difftest/GraphGenerator.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "llvm/ADT/STLExtras.h"

#include <cmath>
#include <limits>
#include <random>

namespace sinter::difftest {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

class Rng {
public:
  explicit Rng(uint64_t seed) : gen(seed * 0x9E3779B97F4A7C15ull + 1) {}
  int below(int n) { return int(gen() % uint64_t(n)); }
  bool chance(double p) { return real() < p; }
  double real() { return double(gen() >> 11) * 0x1p-53; }
  double uniform(double lo, double hi) { return lo + (hi - lo) * real(); }
  template <typename T> const T &pick(const std::vector<T> &v) {
    return v[below(int(v.size()))];
  }

private:
  std::mt19937_64 gen;
};

std::string typeOf(const Value &v) {
  std::string s = "tensor<";
  for (int64_t d : v.shape) {
    absl::StrAppend(&s, d, "x");
  }
  return s + v.dtype + ">";
}

DType dtypeOf(const std::string &name) {
  return name == "bf16"  ? DType::BF16
         : name == "f16" ? DType::F16
         : name == "i1"  ? DType::I1
                         : DType::F32;
}

/// The bits of -inf in `dtype`, for a splat constant (MLIR float literals
/// have no spelling for infinity).
std::string negInfLiteral(const std::string &dtype) {
  return dtype == "f32" ? "0xFF800000" : dtype == "f16" ? "0xFC00" : "0xFF80";
}

/// An input value of `profile`, before drawValue bounds it.
double drawUnbounded(Rng &rng, int profile, int64_t row, int64_t col) {
  static const std::vector<double> kSpecial = {
      -0.0, std::nan(""), kInf, -kInf, 1e-40,   -1e-45,
      3e38, -3e38,        1e30, 1e-30, 65504.0, 1e-8};
  switch (profile) {
  case 1: // a sprinkling of special values
    return rng.chance(0.05) ? rng.pick(kSpecial) : rng.uniform(-3, 3);
  case 2: // masked rows: some entirely -inf, others partly
    if (row % 3 == 1) {
      return -kInf;
    }
    return row % 3 == 2 && col % 2 ? -kInf : rng.uniform(-4, 4);
  case 3: { // constant rows, near-constant rows
    static const std::vector<double> kLevel = {1000000.1, 1000.1, 3e38, -2.5,
                                               1e-30};
    double level = kLevel[row % kLevel.size()];
    return row % 2 ? level : level * (1 + 1e-7 * (col % 3));
  }
  case 4: // huge magnitudes
    return (rng.chance(0.5) ? 1 : -1) * std::pow(10.0, rng.uniform(20, 38.4));
  case 5: // tiny magnitudes, subnormals among them
    return (rng.chance(0.5) ? 1 : -1) * std::pow(10.0, rng.uniform(-45, -30));
  default:
    return rng.uniform(-2, 2);
  }
}

/// An input value drawn from `profile`, its finite magnitude at most
/// `cap`, and with `finiteOnly` NaN for an infinity. Where compiled code
/// computes in f32 what the interpreter computes in f64 (both as
/// documented), inputs are kept where the difference is the f32 rounding
/// the per-element tolerance allows:
///  - a contraction (matmul, attention, a row sum or mean) of terms as large
///    as 1e18 whose result cancels to about 0 carries an absolute error of
///    an ulp of its terms, far above atol: such graphs cap at 4;
///  - softmax turns a score's rounding error (about |score| * 2^-24) into a
///    relative error of its weights, beyond the tolerance once scores pass
///    about 1e3: attention's queries and keys cap at 4;
///  - a visible key whose weight underflows to 0 in f32 (exp(-256)) but not
///    in f64 multiplies an infinite value into NaN on one side and -inf on
///    the other: attention's values have NaN but no infinities.
double drawValue(Rng &rng, int profile, int64_t row, int64_t col, double cap,
                 bool finiteOnly) {
  double v = drawUnbounded(rng, profile, row, col);
  if (std::isinf(v) && finiteOnly) {
    return std::nan("");
  }
  return std::isfinite(v) && std::abs(v) > cap ? std::copysign(cap, v) : v;
}

reference::HostTensor drawInput(Rng &rng, const Value &v, int profile,
                                double cap, bool finiteOnly) {
  int64_t n = 1;
  for (int64_t d : v.shape) {
    n *= d;
  }
  int64_t rowLength =
      v.shape.empty() ? 1 : std::max<int64_t>(v.shape.back(), 1);
  std::vector<double> values(n);
  for (int64_t i = 0; i < n; ++i) {
    values[i] =
        drawValue(rng, profile, i / rowLength, i % rowLength, cap, finiteOnly);
  }
  return *reference::HostTensor::create(dtypeOf(v.dtype), v.shape,
                                        std::move(values));
}

/// Builds a graph step by step.
class Builder {
public:
  Builder(Rng &rng, Graph &g) : rng(rng), g(g) {}

  /// Arguments are values 0 .. numArgs - 1: all are added before any step.
  int arg(Value v) {
    g.values.push_back(std::move(v));
    return g.numArgs++;
  }
  int step(const std::string &text, std::vector<int> operands, Value result) {
    g.values.push_back(std::move(result));
    int r = int(g.values.size()) - 1;
    g.steps.push_back({text, std::move(operands), r});
    return r;
  }

  Rng &rng;
  Graph &g;
};

const std::vector<std::string> kUnary = {
    "neg", "abs",     "exp",  "log",  "sqrt",      "rsqrt",     "tanh",
    "erf", "sigmoid", "relu", "silu", "gelu none", "gelu tanh", "gelu sigmoid"};
const std::vector<std::string> kBinary = {"add", "sub", "mul", "div",
                                          "max", "min", "pow"};
const std::vector<std::string> kPredicates = {"lt", "le", "gt",
                                              "ge", "eq", "ne"};
const std::vector<std::string> kReduceKinds = {"sum", "max", "min", "mean"};
const std::vector<std::string> kEpsilons = {"1.0e-05", "9.9999999999999998e-13",
                                            "0.0"};

/// A chain of steps over one shape; the extra arguments (weights, gamma,
/// beta) a step needs are declared up front, so there are a few spare.
void buildRows(Rng &rng, Graph &g) {
  std::string dtype =
      rng.pick(std::vector<std::string>{"f32", "f32", "bf16", "f16"});
  int rank = 1 + rng.below(3);
  std::vector<int64_t> shape;
  for (int d = 0; d + 1 < rank; ++d) {
    shape.push_back(rng.pick(std::vector<int64_t>{1, 2, 3, 5}));
  }
  int64_t last = rng.chance(0.04)
                     ? 8193
                     : rng.pick(std::vector<int64_t>{1, 7, 31, 33, 64, 130});
  shape.push_back(last);
  Value base{shape, dtype};
  std::string t = typeOf(base);
  Value row{{last}, dtype}, square{{last, last}, dtype};
  std::vector<int64_t> reduced(shape.begin(), shape.end() - 1);
  Value stat{reduced, dtype};
  g.description =
      absl::StrCat("rows ", dtype, " [", absl::StrJoin(shape, ", "), "]");

  Builder b(rng, g);
  std::vector<int> live;
  int numInputs = 1 + rng.below(3);
  for (int i = 0; i < numInputs; ++i) {
    live.push_back(b.arg(base));
  }
  const std::vector<int> inputs = live;
  // A norm amplifies its operand's rounding by |x| / std(x) (and, with a
  // tiny epsilon, a row that is constant up to rounding into +-1): the
  // compiled f32 and the interpreter's f64 round a computed row differently
  // by an ulp, which is the tolerance in f32 with epsilon 1e-5 but not in
  // bf16 or f16, nor with epsilon 0 (seeds 7133 and 7188). A computed
  // operand gets epsilon 1e-5, and in bf16 and f16 a norm reads an input
  // (exact in its type) instead.
  auto normOperand = [&](int x) {
    bool computed = !llvm::is_contained(inputs, x);
    return computed && dtype != "f32" ? rng.pick(inputs) : x;
  };
  auto normEpsilon = [&](int x) {
    std::string picked = rng.pick(kEpsilons);
    return llvm::is_contained(inputs, x) ? picked : std::string("1.0e-05");
  };
  int gamma = b.arg(row), beta = b.arg(row);
  int weight = rank >= 2 && last <= 130 ? b.arg(square) : -1;
  std::string rowType = typeOf(row), statType = typeOf(stat);
  std::string axis = absl::StrCat(rank - 1);
  std::vector<std::string> keptDims;
  for (int d = 0; d + 1 < rank; ++d) {
    keptDims.push_back(absl::StrCat(d));
  }
  std::string broadcast = absl::StrCat(
      "  $r = sinter.broadcast_in_dim $r_s, dims = [",
      absl::StrJoin(keptDims, ", "), "] : (", statType, ") -> ", t);

  int steps = 2 + rng.below(7);
  for (int s = 0; s < steps; ++s) {
    int x = rng.pick(live), y = rng.pick(live);
    int r;
    switch (rng.below(12)) {
    case 0:
    case 1: {
      std::string op = rng.pick(kUnary);
      r = op.rfind("gelu", 0) == 0
              ? b.step(absl::StrCat("  $r = sinter.", op, " $0 : (", t, ") -> ",
                                    t),
                       {x}, base)
              : b.step(absl::StrCat("  $r = sinter.", op, " $0 : ", t), {x},
                       base);
      break;
    }
    case 2:
    case 3:
      r = b.step(
          absl::StrCat("  $r = sinter.", rng.pick(kBinary), " $0, $1 : ", t),
          {x, y}, base);
      break;
    case 4: { // compare + select
      Value mask{shape, "i1"};
      r = b.step(absl::StrCat("  $r_c = sinter.compare ", rng.pick(kPredicates),
                              ", $0, $1 : ", t, "\n  $r = sinter.select $r_c, ",
                              "$0, $1 : ", typeOf(mask), ", ", t),
                 {x, y}, base);
      break;
    }
    case 5: { // mask to -inf where x > y
      Value mask{shape, "i1"};
      r = b.step(absl::StrCat("  $r_c = sinter.compare gt, $0, $1 : ", t,
                              "\n  $r_n = sinter.constant dense<",
                              negInfLiteral(dtype), "> : ", t,
                              "\n  $r = sinter.select $r_c, $r_n, $0 : ",
                              typeOf(mask), ", ", t),
                 {x, y}, base);
      break;
    }
    case 6: // a reduction along the row, broadcast back
      r = b.step(absl::StrCat("  $r_s = sinter.reduce ", rng.pick(kReduceKinds),
                              " $0, dims = [", axis, "] : (", t, ") -> ",
                              statType, "\n", broadcast),
                 {x}, base);
      break;
    case 7: {
      std::string op =
          rng.pick(std::vector<std::string>{"softmax", "log_softmax"});
      r = b.step(absl::StrCat("  $r = sinter.", op, " $0, axis = ", axis,
                              " : (", t, ") -> ", t),
                 {x}, base);
      break;
    }
    case 8:
      r = b.step(absl::StrCat("  $r_s = sinter.logsumexp $0, axis = ", axis,
                              " : (", t, ") -> ", statType, "\n", broadcast),
                 {x}, base);
      break;
    case 9: {
      bool withGamma = rng.chance(0.5), withBeta = rng.chance(0.5);
      std::string text = "  $r = sinter.layer_norm $0";
      x = normOperand(x);
      std::vector<int> operands = {x};
      if (withGamma) {
        absl::StrAppend(&text, " scale($", operands.size(), " : ", rowType,
                        ")");
        operands.push_back(gamma);
      }
      if (withBeta) {
        absl::StrAppend(&text, " offset($", operands.size(), " : ", rowType,
                        ")");
        operands.push_back(beta);
      }
      absl::StrAppend(&text, " axis = ", axis, " epsilon = ", normEpsilon(x),
                      " : ", t, " -> ", t);
      r = b.step(text, operands, base);
      break;
    }
    case 10: {
      bool withGamma = rng.chance(0.5);
      std::string text = "  $r = sinter.rms_norm $0";
      x = normOperand(x);
      std::vector<int> operands = {x};
      if (withGamma) {
        absl::StrAppend(&text, " scale($1 : ", rowType, ")");
        operands.push_back(gamma);
      }
      absl::StrAppend(&text, " axis = ", axis, " epsilon = ", normEpsilon(x),
                      " : ", t, " -> ", t);
      r = b.step(text, operands, base);
      break;
    }
    default:
      if (weight >= 0 && rng.chance(0.6)) {
        r = b.step(absl::StrCat("  $r = sinter.matmul $0, $1 : (", t, ", ",
                                typeOf(square), ") -> ", t),
                   {x, weight}, base);
      } else {
        std::string other = dtype == "f32" ? "bf16" : "f32";
        Value wide{shape, other};
        r = b.step(absl::StrCat("  $r_x = sinter.convert $0 : ", t, " -> ",
                                typeOf(wide), "\n  $r = sinter.convert $r_x : ",
                                typeOf(wide), " -> ", t),
                   {x}, base);
      }
      break;
    }
    live.push_back(r);
  }
}

void buildAttention(Rng &rng, Graph &g) {
  std::string dtype =
      rng.pick(std::vector<std::string>{"f32", "f32", "bf16", "f16"});
  int64_t batch = 1 + rng.below(2),
          heads = rng.pick(std::vector<int64_t>{1, 3});
  int64_t s = rng.pick(std::vector<int64_t>{1, 7, 33, 130});
  bool causal = rng.chance(0.6);
  int64_t t = causal && rng.chance(0.7)
                  ? s
                  : rng.pick(std::vector<int64_t>{1, 5, 33, 70});
  int64_t d = rng.pick(std::vector<int64_t>{8, 16, 64});
  bool withBias = rng.chance(0.4);
  Value q{{batch, heads, s, d}, dtype}, kv{{batch, heads, t, d}, dtype};
  Value bias{{rng.chance(0.5) ? batch : 1, 1, s, t}, dtype};
  g.description = absl::StrCat(
      "attention ", dtype, " B", batch, " H", heads, " S", s, " T", t, " D", d,
      causal ? " causal" : "", withBias ? " bias" : "");
  Builder b(rng, g);
  int qi = b.arg(q), ki = b.arg(kv), vi = b.arg(kv);
  std::vector<int> operands = {qi, ki, vi};
  std::string text = "  $r = sinter.attention $0, $1, $2";
  if (withBias) {
    operands.push_back(b.arg(bias));
    absl::StrAppend(&text, " bias($3 : ", typeOf(bias), ")");
  }
  double scale = 1.0 / std::sqrt(double(d));
  absl::StrAppend(&text, " scale = ", absl::StrFormat("%.17g", scale),
                  causal ? " causal" : "", " : ", typeOf(q), ", ", typeOf(kv),
                  ", ", typeOf(kv), " -> ", typeOf(q));
  int r = b.step(text, operands, q);
  if (rng.chance(0.3)) {
    b.step(absl::StrCat("  $r = sinter.tanh $0 : ", typeOf(q)), {r}, q);
  }
}

/// `text` with $<i> bound to the operands and $r to the result.
std::string render(const Step &step) {
  std::string out = step.text;
  std::string result = absl::StrCat("%v", step.result);
  out = absl::StrReplaceAll(out, {{"$r", result}});
  for (int i = int(step.operands.size()) - 1; i >= 0; --i) {
    out = absl::StrReplaceAll(
        out, {{absl::StrCat("$", i), absl::StrCat("%v", step.operands[i])}});
  }
  return out;
}

/// Values no later step reads: the function's results.
std::vector<int> sinks(const Graph &g) {
  std::vector<bool> used(g.values.size(), false);
  for (const Step &s : g.steps) {
    for (int o : s.operands) {
      used[o] = true;
    }
  }
  std::vector<int> out;
  for (const Step &s : g.steps) {
    if (!used[s.result]) {
      out.push_back(s.result);
    }
  }
  return out;
}

/// Removes the steps no output depends on.
void pruneDead(Graph &g) {
  std::vector<bool> needed(g.values.size(), false);
  for (int o : g.outputs) {
    needed[o] = true;
  }
  for (auto it = g.steps.rbegin(); it != g.steps.rend(); ++it) {
    if (needed[it->result]) {
      for (int o : it->operands) {
        needed[o] = true;
      }
    }
  }
  std::vector<Step> kept;
  for (Step &s : g.steps) {
    if (needed[s.result]) {
      kept.push_back(std::move(s));
    }
  }
  g.steps = std::move(kept);
}

} // namespace

std::string Graph::toMlir() const {
  std::vector<std::string> args, resultTypes, results;
  for (int i = 0; i < numArgs; ++i) {
    args.push_back(absl::StrCat("%v", i, ": ", typeOf(values[i])));
  }
  for (int o : outputs) {
    resultTypes.push_back(typeOf(values[o]));
    results.push_back(absl::StrCat("%v", o));
  }
  std::string text =
      absl::StrCat("func.func @main(", absl::StrJoin(args, ", "), ") -> (",
                   absl::StrJoin(resultTypes, ", "), ") {\n");
  for (const Step &s : steps) {
    absl::StrAppend(&text, render(s), "\n");
  }
  absl::StrAppend(&text, "  return ", absl::StrJoin(results, ", "), " : ",
                  absl::StrJoin(resultTypes, ", "), "\n}\n");
  return text;
}

Graph generateGraph(uint64_t seed) {
  Rng rng(seed);
  Graph g;
  if (rng.chance(0.2)) {
    buildAttention(rng, g);
  } else {
    buildRows(rng, g);
  }
  g.outputs = sinks(g);
  // One profile per argument.
  bool contracts = false;
  for (const Step &s : g.steps) {
    for (const char *op :
         {"sinter.matmul", "sinter.attention", "reduce sum", "reduce mean"}) {
      contracts |= s.text.find(op) != std::string::npos;
    }
  }
  bool attention = g.description.rfind("attention", 0) == 0;
  // Near-constant rows (profile 3) are for the norms of inputs: a computed
  // row that is constant up to rounding (a matmul of them) normalizes to its
  // rounding error times gamma / sqrt(epsilon), which f32 and f64 round
  // differently (seed 7133). Graphs with a norm of a computed row draw
  // plain values instead.
  bool normOfComputed = false;
  for (const Step &s : g.steps) {
    bool norm = s.text.find("sinter.layer_norm") != std::string::npos ||
                s.text.find("sinter.rms_norm") != std::string::npos;
    normOfComputed |= norm && s.operands[0] >= g.numArgs;
  }
  for (int i = 0; i < g.numArgs; ++i) {
    int profile = rng.below(10) < 4 ? 0 : 1 + rng.below(5);
    if (profile == 3 && normOfComputed) {
      profile = 0;
    }
    double cap = contracts ? 4.0 : std::numeric_limits<double>::infinity();
    g.inputs.push_back(drawInput(rng, g.values[i], profile, cap,
                                 /*finiteOnly=*/attention && i == 2));
  }
  return g;
}

std::vector<Graph> shrinkCandidates(const Graph &graph) {
  std::vector<Graph> out;
  // Drop a step: its readers read its first operand of the same type.
  for (size_t i = 0; i < graph.steps.size(); ++i) {
    const Step &step = graph.steps[i];
    const Value &result = graph.values[step.result];
    int replacement = -1;
    for (int o : step.operands) {
      if (graph.values[o].shape == result.shape &&
          graph.values[o].dtype == result.dtype) {
        replacement = o;
        break;
      }
    }
    Graph g = graph;
    g.steps.erase(g.steps.begin() + i);
    bool ok = true;
    for (Step &s : g.steps) {
      for (int &o : s.operands) {
        if (o == step.result) {
          ok &= replacement >= 0;
          o = replacement;
        }
      }
    }
    std::vector<int> outputs;
    for (int o : g.outputs) {
      if (o != step.result) {
        outputs.push_back(o);
      } else if (replacement >= g.numArgs) { // an argument is no output
        outputs.push_back(replacement);
      }
    }
    g.outputs = outputs;
    if (ok && !g.outputs.empty()) {
      pruneDead(g);
      out.push_back(std::move(g));
    }
  }
  // Drop an output, and the steps only it read.
  for (size_t i = 0; graph.outputs.size() > 1 && i < graph.outputs.size();
       ++i) {
    Graph g = graph;
    g.outputs.erase(g.outputs.begin() + i);
    pruneDead(g);
    out.push_back(std::move(g));
  }
  return out;
}

} // namespace sinter::difftest
