//===- Layers.cpp - Layers shared by the example models ---------*- C++ -*-===//

#include "frontend/models/Models.h"

#include "absl/strings/str_cat.h"

namespace sinter::models {

absl::Status checkModelDType(llvm::StringRef model, DType dtype) {
  bool ok = dtype == DType::F32 || dtype == DType::BF16 || dtype == DType::F16;
  if (!ok) {
    return absl::InvalidArgumentError(
        absl::StrCat(model.str(), ": dtype must be f32, bf16 or f16, got ",
                     sinter::dtypeName(dtype).str()));
  }
  return absl::OkStatus();
}

Tensor linear(GraphBuilder &b, Tensor x, int64_t outFeatures, DType dtype,
              llvm::StringRef prefix) {
  int64_t in = x.dim(-1);
  Tensor w = b.parameter((prefix + ".weight").str(), dtype, {in, outFeatures},
                         ParamInit::normal(0.02));
  Tensor bias = b.parameter((prefix + ".bias").str(), dtype, {outFeatures},
                            ParamInit::zeros());
  return b.add(b.matmul(x, w), bias);
}

Tensor layerNormLayer(GraphBuilder &b, Tensor x, DType dtype, double epsilon,
                      llvm::StringRef prefix) {
  int64_t d = x.dim(-1);
  Tensor gamma =
      b.parameter((prefix + ".weight").str(), dtype, {d}, ParamInit::ones());
  Tensor beta =
      b.parameter((prefix + ".bias").str(), dtype, {d}, ParamInit::zeros());
  return b.layerNorm(x, gamma, beta, -1, epsilon);
}

Tensor splitHeads(GraphBuilder &b, Tensor x, int64_t heads) {
  int64_t batch = x.dim(0), seq = x.dim(1), d = x.dim(2);
  // Callers validate heads; a zero here must still not divide by zero (the
  // reshape then reports the element count mismatch).
  int64_t headDim = heads > 0 ? d / heads : 0;
  return b.transpose(b.reshape(x, {batch, seq, heads, headDim}), {0, 2, 1, 3});
}

Tensor mergeHeads(GraphBuilder &b, Tensor x) {
  int64_t batch = x.dim(0), heads = x.dim(1), seq = x.dim(2), dh = x.dim(3);
  return b.reshape(b.transpose(x, {0, 2, 1, 3}), {batch, seq, heads * dh});
}

} // namespace sinter::models
