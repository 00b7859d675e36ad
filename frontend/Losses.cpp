//===- Losses.cpp - Training losses built from sinter ops -----------------===//
//
// Each loss is a scalar tensor<f32> written with the builder's own ops (so
// sinter-autodiff differentiates it through their rules, logsumexp's
// included) and computes in f32 whatever the inputs' float type.
//
//===----------------------------------------------------------------------===//

#include "frontend/GraphBuilder.h"

#include "llvm/Support/raw_ostream.h"

#include <numeric>

namespace sinter {

namespace {

std::string typeString(Tensor t) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << t.type();
  return text;
}

/// [0, rank): every dimension.
llvm::SmallVector<int64_t> allDims(int64_t rank) {
  llvm::SmallVector<int64_t> dims(rank);
  std::iota(dims.begin(), dims.end(), 0);
  return dims;
}

} // namespace

Tensor GraphBuilder::softmaxCrossEntropy(Tensor logits, Tensor labels,
                                         std::optional<int64_t> ignoreLabel) {
  if (!check("softmaxCrossEntropy", {logits, labels}) ||
      !requireFloat("softmaxCrossEntropy", logits)) {
    return Tensor();
  }
  std::optional<DType> labelType = labels.dtype();
  if (!labelType || (*labelType != DType::I32 && *labelType != DType::I64)) {
    return fail("softmaxCrossEntropy: labels must be i32 or i64, got " +
                typeString(labels));
  }
  if (logits.rank() < 1 || labels.shape() != logits.shape().drop_back()) {
    return fail("softmaxCrossEntropy: labels " + typeString(labels) +
                " must have the shape of logits " + typeString(logits) +
                " without its last dimension (the classes)");
  }
  Tensor x =
      logits.dtype() == DType::F32 ? logits : convert(logits, DType::F32);
  int64_t classAxis = logits.rank() - 1;
  llvm::SmallVector<int64_t> tokenDims = allDims(labels.rank());
  // logits[label] as the row's sum of the logits where the class id is the
  // label (a one-hot mask: no gather, and its gradient is a select).
  Tensor classIds = iota(*labelType, logits.shape(), classAxis);
  Tensor hit = compare(ComparePredicate::eq, classIds,
                       broadcastInDim(labels, logits.shape(), tokenDims));
  Tensor picked = reduceSum(select(hit, x, fullLike(x, 0.0)), {classAxis});
  Tensor perToken = sub(logSumExp(x, classAxis), picked);
  if (!ignoreLabel) {
    return reduceMean(perToken, tokenDims);
  }
  Tensor kept = compare(ComparePredicate::ne, labels,
                        fullLike(labels, static_cast<double>(*ignoreLabel)));
  Tensor total =
      reduceSum(select(kept, perToken, fullLike(perToken, 0.0)), tokenDims);
  Tensor count = reduceSum(convert(kept, DType::F32), tokenDims);
  return div(total, max(count, scalar(DType::F32, 1.0)));
}

Tensor GraphBuilder::meanSquaredError(Tensor prediction, Tensor target) {
  if (!check("meanSquaredError", {prediction, target}) ||
      !requireFloat("meanSquaredError", prediction)) {
    return Tensor();
  }
  if (prediction.type() != target.type()) {
    return fail("meanSquaredError: prediction " + typeString(prediction) +
                " and target " + typeString(target) + " must have one type");
  }
  Tensor p = prediction.dtype() == DType::F32 ? prediction
                                              : convert(prediction, DType::F32);
  Tensor t =
      target.dtype() == DType::F32 ? target : convert(target, DType::F32);
  Tensor d = sub(p, t);
  return reduceMean(mul(d, d), allDims(prediction.rank()));
}

Tensor GraphBuilder::multiLabelLoss(Tensor logits, Tensor targets) {
  if (!check("multiLabelLoss", {logits, targets}) ||
      !requireFloat("multiLabelLoss", logits)) {
    return Tensor();
  }
  std::optional<DType> targetType = targets.dtype();
  if (!targetType || (!isFloat(*targetType) && *targetType != DType::I1)) {
    return fail("multiLabelLoss: targets must be float (in [0, 1]) or i1, "
                "got " +
                typeString(targets));
  }
  if (logits.rank() < 1 || targets.shape() != logits.shape()) {
    return fail("multiLabelLoss: targets " + typeString(targets) +
                " must have the shape of logits " + typeString(logits) +
                " (one target per class)");
  }
  Tensor s =
      logits.dtype() == DType::F32 ? logits : convert(logits, DType::F32);
  Tensor t = *targetType == DType::F32 ? targets : convert(targets, DType::F32);
  int64_t classAxis = logits.rank() - 1;
  Tensor zero = fullLike(s, 0.0);
  Tensor one = fullLike(s, 1.0);
  // Excluded terms get a logit that underflows to 0 in the logsumexp; the
  // inner select keeps log away from 0 even in the branch not taken.
  Tensor excluded = fullLike(s, -1e30);
  auto weighted = [&](Tensor logit, Tensor weight) {
    Tensor present = compare(ComparePredicate::gt, weight, zero);
    Tensor logWeight = log(select(present, weight, one));
    return select(present, add(logit, logWeight), excluded);
  };
  // log(1 + sum_i w_i e^{x_i}) = logsumexp([x_i + log w_i..., 0]).
  llvm::SmallVector<int64_t> zeroShape(logits.shape().begin(),
                                       logits.shape().end());
  zeroShape.back() = 1;
  Tensor zeroLogit = constant(DType::F32, zeroShape, {0.0});
  auto logOnePlus = [&](Tensor terms) {
    return logSumExp(concatenate({terms, zeroLogit}, classAxis), classAxis);
  };
  Tensor negatives = logOnePlus(weighted(s, sub(one, t)));
  Tensor positives = logOnePlus(weighted(neg(s), t));
  Tensor perRow = add(negatives, positives);
  return perRow.rank() == 0 ? perRow
                            : reduceMean(perRow, allDims(perRow.rank()));
}

} // namespace sinter
