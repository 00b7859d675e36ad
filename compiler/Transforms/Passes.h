//===- Passes.h - Sinter's passes on the sinter dialect ---------*- C++ -*-===//

#ifndef SINTER_COMPILER_TRANSFORMS_PASSES_H
#define SINTER_COMPILER_TRANSFORMS_PASSES_H

#include "dialects/sinter/IR/SinterDialect.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

#include <memory>

namespace mlir {
class RewritePatternSet;
}

namespace sinter {

#define GEN_PASS_DECL
#include "compiler/Transforms/Passes.h.inc"

/// Patterns that rewrite each composite op into primitive sinter ops.
/// `onlyOps` restricts them to the given mnemonics (e.g. "softmax"); empty
/// means every composite. `edgeSafe` writes the forms the lowering uses
/// (fully masked softmax rows give zeros / -inf; norms scale and shift
/// their rows so that their statistics neither cancel nor overflow) instead
/// of the textbook forms models write and the recognisers match.
void populateDecomposeCompositesPatterns(RewritePatternSet &patterns,
                                         ArrayRef<std::string> onlyOps = {},
                                         bool edgeSafe = false);

/// The patterns of each sinter-recognize-* pass, for pipelines that run
/// several in one rewrite.
void populateRecognizeSoftmaxPatterns(RewritePatternSet &patterns);
void populateRecognizeGeluPatterns(RewritePatternSet &patterns);
void populateRecognizeLogSumExpPatterns(RewritePatternSet &patterns);
void populateRecognizeRMSNormPatterns(RewritePatternSet &patterns);
void populateRecognizeLayerNormPatterns(RewritePatternSet &patterns);
void populateRecognizeAttentionPatterns(RewritePatternSet &patterns);

/// Adds every composite recognition pass to `pm` (nested on func.func), in
/// the order they depend on: gelu, softmax, logsumexp/log_softmax,
/// rms_norm, layer_norm, attention (which needs softmax recognised).
/// Registered as the `sinter-recognize-composites` pipeline.
void buildRecognizeCompositesPipeline(OpPassManager &pm);

#define GEN_PASS_REGISTRATION
#include "compiler/Transforms/Passes.h.inc"

} // namespace sinter

#endif // SINTER_COMPILER_TRANSFORMS_PASSES_H
