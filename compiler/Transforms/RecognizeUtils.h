//===- RecognizeUtils.h - Small matchers the recognition passes share -*- C++
//-*-===//
//
// The sinter-recognize-* passes find primitive graphs that compute one
// composite op. They share three things, kept here so that each pass file
// reads as the shape of its pattern:
//
//  - `MatchedOps`: the ops a match would replace. A match is only legal when
//    no result of those ops (but the root) is read outside the set, so a
//    recognised composite never computes an intermediate twice or loses one.
//  - constant matchers: splat constants, compared with a tolerance that
//    accepts the constant rounded to its element type.
//  - reduction matchers: a value reduced over some dimensions and broadcast
//    back (with or without a keep-dims reshape), and the spellings of a mean.
//
//===----------------------------------------------------------------------===//

#ifndef SINTER_COMPILER_TRANSFORMS_RECOGNIZEUTILS_H
#define SINTER_COMPILER_TRANSFORMS_RECOGNIZEUTILS_H

#include "dialects/sinter/IR/SinterOps.h"
#include "mlir/IR/PatternMatch.h"

#include <optional>

namespace sinter::recognize {

/// The ops a candidate match covers. Constants never belong to it: they are
/// shared freely (the greedy driver uniques them) and stay where they are.
class MatchedOps {
public:
  void add(mlir::Operation *op) {
    if (!contains(op)) {
      ops.push_back(op);
    }
  }
  bool contains(mlir::Operation *op) const {
    return llvm::is_contained(ops, op);
  }
  size_t size() const { return ops.size(); }
  /// Forgets what was added after a failed alternative.
  void truncate(size_t n) { ops.resize(n); }
  /// True when every result of every op but `root` is read only by ops in
  /// the set: replacing `root` then leaves the rest dead.
  bool isClosed(mlir::Operation *root) const;

private:
  llvm::SmallVector<mlir::Operation *> ops;
};

/// Tries `match(a, b)` with the operands of the commutative binary op `op`
/// in both orders; ops added to `matched` by a failed order are dropped.
template <typename Fn>
bool eitherOrder(mlir::Operation *op, MatchedOps &matched, Fn &&match) {
  size_t n = matched.size();
  if (match(op->getOperand(0), op->getOperand(1))) {
    return true;
  }
  matched.truncate(n);
  if (match(op->getOperand(1), op->getOperand(0))) {
    return true;
  }
  matched.truncate(n);
  return false;
}

/// The value of a float splat constant, looking through broadcast_in_dim,
/// reshape and convert of one (models build scalars several ways).
std::optional<double> getSplatValue(mlir::Value v);

/// `v` is a float splat constant equal to `want`: either exactly `want`
/// rounded to the constant's element type, or within `relTol` of it.
bool isSplatNear(mlir::Value v, double want, double relTol = 1e-4);

/// The relative tolerance for comparing a constant computed in
/// `elementType` with its exact value: 1e-4, widened to about two units in
/// the last place for f16 and bf16 (bf16 rounds 0.044715 by 8e-4).
double relativeTolerance(mlir::Type elementType);

/// A reduction of `operand` over `dims`.
struct Reduction {
  mlir::Value operand;
  llvm::SmallVector<int64_t> dims;
};

/// `v` is `reduce <kind>` of some value, possibly behind a reshape that
/// keeps the reduced dimensions as size 1 (keepdim=True). Adds the ops.
std::optional<Reduction> matchReduce(mlir::Value v, ReduceKind kind,
                                     MatchedOps &matched);

/// `v` is a mean over some dimensions, spelt `reduce mean x`,
/// `reduce sum x * (1/N)` or `reduce sum x / N` (N the number of reduced
/// elements), each possibly keep-dims reshaped. Adds the ops.
std::optional<Reduction> matchMean(mlir::Value v, MatchedOps &matched);

/// `v` is a statistic reduced over `dims` broadcast back to `v`'s shape:
/// `broadcast_in_dim` with the kept dimensions, or of a keep-dims value
/// with every dimension. Returns that statistic (the broadcast's operand)
/// and adds the broadcast.
mlir::Value matchUnreduce(mlir::Value v, llvm::ArrayRef<int64_t> dims,
                          MatchedOps &matched);

/// The dimensions [axis, rank) when `dims` is exactly that trailing run.
std::optional<int64_t> trailingAxis(llvm::ArrayRef<int64_t> dims, int64_t rank);

/// `v` is `x * x` or `pow(x, 2)`. Adds the op.
bool matchSquare(mlir::Value v, mlir::Value x, MatchedOps &matched);

/// `v` is `var + epsilon` (either order) with `epsilon` a non-negative
/// splat constant. Returns both and adds the add.
struct PlusEpsilon {
  mlir::Value value;
  double epsilon;
};
std::optional<PlusEpsilon> matchPlusEpsilon(mlir::Value v, MatchedOps &matched);

//===----------------------------------------------------------------------===//
// Normalisations (layer_norm, rms_norm)
//===----------------------------------------------------------------------===//

/// What follows a normalisation `y` over [axis, rank): `y * gamma`, then
/// `+ beta`, each optional, and the convert back to a narrow type that
/// mixed-precision code (and sinter-decompose-composites) wraps around a
/// norm computed in f32.
struct NormMatch {
  mlir::Value operand;     ///< x, in the type the statistics use
  mlir::Value gamma, beta; ///< broadcast sources, or null
  mlir::Operation *root;   ///< the op the composite replaces
  int64_t axis;
  double epsilon;
};

/// Extends `m` (whose root is the normalisation) over a following multiply
/// by a broadcast gamma (when `withGamma`) and add of a broadcast beta (when
/// `withBeta`); each step needs the previous result to have one user.
void matchAffineTail(NormMatch &m, bool withGamma, bool withBeta,
                     MatchedOps &matched);

/// Builds the composite for `m`: when the operand comes from a convert out
/// of type T, the only user of the root converts back to T, and gamma and
/// beta come from converts out of T, the composite takes the T values and
/// replaces that convert (the composite computes in f32 itself). `build`
/// gets the operand, gamma and beta (reshaped to shape[axis:]) and the
/// result type.
void replaceNorm(
    mlir::PatternRewriter &rewriter, const NormMatch &m,
    llvm::function_ref<mlir::Value(mlir::Value x, mlir::Value gamma,
                                   mlir::Value beta, mlir::Type type)>
        build);

/// The body of every recogniser pass: the patterns each of `populate` adds,
/// applied greedily to `op`; when they do not converge, an error on `op`:
/// "recognising <what> did not converge".
mlir::LogicalResult
runRecognizers(mlir::Operation *op,
               llvm::ArrayRef<void (*)(mlir::RewritePatternSet &)> populate,
               llvm::StringRef what);

} // namespace sinter::recognize

#endif // SINTER_COMPILER_TRANSFORMS_RECOGNIZEUTILS_H
