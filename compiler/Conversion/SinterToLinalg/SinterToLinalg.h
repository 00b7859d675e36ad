//===- SinterToLinalg.h - Lower sinter ops to linalg/tensor/arith -*- C++
//-*-===//
//
// One populate function per op family, one family per file, so pipelines and
// tests can pick them up separately.
//
//===----------------------------------------------------------------------===//

#ifndef SINTER_COMPILER_CONVERSION_SINTERTOLINALG_SINTERTOLINALG_H
#define SINTER_COMPILER_CONVERSION_SINTERTOLINALG_SINTERTOLINALG_H

#include "dialects/sinter/IR/MLIR.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Transforms/DialectConversion.h"

namespace sinter {

class FusionOp;

/// Elementwise ops (arithmetic, math, compare, select, convert, gelu).
void populateElementwiseToLinalgPatterns(RewritePatternSet &patterns);
/// Shape ops (broadcast_in_dim, reshape, transpose, slice, concatenate,
/// gather, iota) and constants.
void populateShapeToLinalgPatterns(RewritePatternSet &patterns);
/// reduce.
void populateReductionToLinalgPatterns(RewritePatternSet &patterns);
/// matmul.
void populateMatmulToLinalgPatterns(RewritePatternSet &patterns);

/// All of the above.
void populateSinterToLinalgPatterns(RewritePatternSet &patterns);

/// Moves a fusion region's ops in front of it and erases it (the last step
/// of lowering a region, in sinter-lower-fusions; also used where a region
/// is given up).
void inlineFusion(FusionOp fusion);

} // namespace sinter

#endif // SINTER_COMPILER_CONVERSION_SINTERTOLINALG_SINTERTOLINALG_H
