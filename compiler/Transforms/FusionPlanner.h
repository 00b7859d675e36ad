//===- FusionPlanner.h - Which ops run together as one kernel ---*- C++ -*-===//
//
// sinter-form-fusions in three parts: the planner (FusionPlanner.cpp) decides
// the groups and why every other edge stays a kernel boundary; the remarks
// (FusionRemarks.cpp) tell those decisions; the pass (FormFusions.cpp) builds
// a sinter.fusion region from each group. What a target's matmul kernel can
// take into its fusion is the one target-specific question; each target
// answers it through FusionRules (FusionRules.cpp).
//
//===----------------------------------------------------------------------===//

#ifndef SINTER_COMPILER_TRANSFORMS_FUSIONPLANNER_H
#define SINTER_COMPILER_TRANSFORMS_FUSIONPLANNER_H

#include "compiler/Transforms/FusionKinds.h"
#include "dialects/sinter/IR/SinterOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/SmallPtrSet.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace sinter {

/// What a target's matmul kernel can take into its fusion. Each answer is
/// the reason a person reads in the fusion report, empty when allowed.
class FusionRules {
public:
  virtual ~FusionRules() = default;
  /// Why the producer of an operand of `matmul` stays out of its fusion.
  virtual std::string operandProducerRefusal(MatmulOp matmul) const = 0;
  /// Why `matmul` takes no epilogue at all.
  virtual std::string epilogueRefusal(MatmulOp matmul) const = 0;
  /// Why `op` (elementwise or shape) cannot be part of a matmul's epilogue.
  virtual std::string epilogueOpRefusal(mlir::Operation *op) const = 0;
};

/// The rules of the CPU's packed-panel kernel and of the GPU's tiled one;
/// `target` is "cpu" or "nvptx" (anything else: null).
const FusionRules *fusionRulesFor(llvm::StringRef target);

/// The part an op plays in a fusion.
enum class FusionRole {
  Elementwise,
  Shape,
  Reduction,
  Matmul,
  Attention,
  Opaque
};
FusionRole fusionRoleOf(mlir::Operation *op);

/// The bytes of a tensor of `type` (0 for a non-tensor).
int64_t bytesOf(mlir::Type type);
/// Reads plus writes of `op` run as a kernel of its own (a reshape is a
/// view and moves nothing).
int64_t unfusedBytesOf(mlir::Operation *op);

/// The operand shape and reduced dimensions of a row reduction.
struct RowShape {
  llvm::SmallVector<int64_t> shape;
  int64_t reduced = 0; // how many trailing dimensions are reduced
  bool operator==(const RowShape &o) const {
    return shape == o.shape && reduced == o.reduced;
  }
};

/// One kernel-to-be.
struct FusionGroup {
  mlir::Operation *root = nullptr;
  llvm::SetVector<mlir::Operation *> ops;
  FusionKind kind = FusionKind::loop;
  mlir::Operation *matmul = nullptr;
  std::optional<RowShape> row;
  mlir::Operation *transpose = nullptr; // the first one the group holds
  bool multiOutput = false;             // merged siblings
};

class FusionPlanner {
public:
  FusionPlanner(mlir::func::FuncOp fn, FusionKinds kinds, int64_t maxOps,
                const FusionRules &rules);

  /// Grows the groups, then merges siblings (when enabled).
  void plan();

  mlir::func::FuncOp function() const { return fn; }
  /// The groups that became fusions, in the order they were formed.
  llvm::SmallVector<const FusionGroup *> fusions() const;
  const FusionGroup *groupOf(mlir::Operation *op) const;
  /// "exp#12": the op's name and its position in the function.
  std::string nameOf(mlir::Operation *op) const;
  /// A group's ops in program order.
  llvm::SmallVector<mlir::Operation *> sorted(const FusionGroup &g) const;
  /// The values a group reads from outside (splat constants excepted) and
  /// the results read outside it.
  void collectBoundary(const FusionGroup &g,
                       llvm::SetVector<mlir::Value> &inputs,
                       llvm::SetVector<mlir::Value> &results) const;
  /// Why `producer` and `consumer` run in different kernels.
  std::string whyApart(mlir::Operation *producer,
                       mlir::Operation *consumer) const;

  /// Splat constants are copied into the region rather than read from
  /// memory: a fused `x * 0.5` needs no 0.5-filled buffer.
  static bool isClonedConstant(mlir::Value v);

private:
  bool enabled(llvm::StringRef kind) const { return kinds.contains(kind); }
  FusionGroup *mutableGroupOf(mlir::Operation *op) const;
  std::string refusal(const FusionGroup &g, mlir::Operation *producer,
                      bool ignoreOwnership = false) const;
  void add(FusionGroup &g, mlir::Operation *op);
  void growGroups();
  void mergeSiblings();
  bool dependsOn(const FusionGroup &b, const FusionGroup &a) const;
  bool readBeforeEnd(const FusionGroup &a, const FusionGroup &b) const;
  bool sharesLargeInput(const FusionGroup &a, const FusionGroup &b) const;

  mlir::func::FuncOp fn;
  FusionKinds kinds;
  int64_t maxOps;
  const FusionRules &rules;
  llvm::DenseMap<mlir::Operation *, int64_t> index;
  std::vector<std::unique_ptr<FusionGroup>> groups;
  llvm::DenseMap<mlir::Operation *, FusionGroup *> owner;
};

/// Tells `planner`'s decisions as remarks (FusionLog.h): each fusion, each
/// producer -> consumer edge left between kernels, the function's totals.
void remarkFusionPlan(const FusionPlanner &planner);

} // namespace sinter

#endif // SINTER_COMPILER_TRANSFORMS_FUSIONPLANNER_H
