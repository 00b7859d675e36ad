//===- Models.h - Example models built with the GraphBuilder ----*- C++ -*-===//
//
// Small, real model graphs used by tests, benchmarks and the main job: an
// MLP, a GPT-2 (pre-LN) decoder block, a BERT (post-LN) encoder block and a
// small GPT. Sizes, dtype, seed and composite mode come from config structs
// with defaults that build in milliseconds; GPT-2-small sizes also build.
// Parameter names follow Hugging Face's GPT-2/BERT checkpoints so weights
// can be mapped in later.
//
//===----------------------------------------------------------------------===//

#ifndef SINTER_FRONTEND_MODELS_MODELS_H
#define SINTER_FRONTEND_MODELS_MODELS_H

#include "frontend/GraphBuilder.h"
#include "frontend/Training.h"

#include "absl/status/statusor.h"

#include <cstdint>
#include <optional>

namespace sinter::models {

using ModuleOrError = absl::StatusOr<mlir::OwningOpRef<mlir::ModuleOp>>;

/// Trained weights by parameter name (GraphBuilder::setParameterValues);
/// a config's `weights`, when set, replaces the initializers.
using Weights = std::map<std::string, GraphBuilder::ParameterValues>;

/// x [batch, inFeatures] -> linear -> gelu -> linear -> y [batch, outFeatures].
struct MlpConfig {
  int64_t batch = 8;
  int64_t inFeatures = 128;
  int64_t hidden = 512;
  int64_t outFeatures = 128;
  GeluApproximation gelu = GeluApproximation::tanh;
  DType dtype = DType::F32;
  uint64_t seed = 0;
  CompositeMode mode = CompositeMode::kComposite;
  const Weights *weights = nullptr;
};

/// GPT-2 style decoder (pre-LN blocks, causal attention, GELU-tanh MLP).
struct GptConfig {
  int64_t batch = 1;
  int64_t seq = 32;
  int64_t dModel = 128;
  int64_t heads = 4;
  int64_t mlp = 512;
  int64_t layers = 2;
  int64_t vocab = 512;
  /// Rows of the position table; 0 means `seq`.
  int64_t maxPositions = 0;
  double layerNormEpsilon = 1e-5;
  DType dtype = DType::F32;
  uint64_t seed = 0;
  CompositeMode mode = CompositeMode::kComposite;
  const Weights *weights = nullptr;
};

/// The configuration the main job compiles: vocab 512, seq 32, 2 layers,
/// d_model 128, 4 heads, MLP 512, batch 1, f32.
GptConfig defaultSmallGptConfig();
/// GPT-2 small: d_model 768, 12 heads, MLP 3072, 12 layers, vocab 50257,
/// 1024 positions (seq 1024; lower `seq` for quick builds).
GptConfig gpt2SmallConfig();

/// Shape of BERT's additive attention mask input, if any.
enum class BertMask {
  kNone,
  kKeyPadding, ///< "attention_mask" [B, 1, 1, S]
  kFull,       ///< "attention_mask" [B, 1, S, S]
};

/// BERT style encoder block (post-LN, GELU-erf, bidirectional attention).
struct BertConfig {
  int64_t batch = 1;
  int64_t seq = 32;
  int64_t dModel = 128;
  int64_t heads = 4;
  int64_t mlp = 512;
  double layerNormEpsilon = 1e-12;
  BertMask mask = BertMask::kNone;
  DType dtype = DType::F32;
  uint64_t seed = 0;
  CompositeMode mode = CompositeMode::kComposite;
  const Weights *weights = nullptr;
};

/// Inputs "x" [batch, inFeatures]; output "y".
ModuleOrError buildMlp(mlir::MLIRContext &ctx, const MlpConfig &config = {});
/// A training step and its parameters' initial values (blobs owned by the
/// context), which the step takes as inputs.
struct TrainingStepModule {
  mlir::OwningOpRef<mlir::ModuleOp> module;
  std::vector<GraphBuilder::InitialValue> initialValues;
};
/// The MLP's training step (Training.h) regressing "target" [batch,
/// outFeatures] with the mean squared error.
absl::StatusOr<TrainingStepModule>
buildMlpTrainingStep(mlir::MLIRContext &ctx, const MlpConfig &config,
                     const TrainingStepConfig &step);
/// One pre-LN decoder block (GptConfig's layers/vocab unused). Input "x"
/// [batch, seq, dModel]; output "y" of the same shape.
ModuleOrError buildGpt2Block(mlir::MLIRContext &ctx,
                             const GptConfig &config = {});
/// One post-LN encoder block. Inputs "x" [batch, seq, dModel] and, per
/// `config.mask`, "attention_mask"; output "y".
ModuleOrError buildBertBlock(mlir::MLIRContext &ctx,
                             const BertConfig &config = {});
/// Input "input_ids" i32 [batch, seq]; output "logits" [batch, seq, vocab]
/// (tied to the token embedding).
ModuleOrError buildGpt(mlir::MLIRContext &ctx,
                       const GptConfig &config = defaultSmallGptConfig());

/// A training step regressing "target" (shaped like the model's output)
/// with the mean squared error; `forward` declares the inputs and
/// parameters and returns the output.
absl::StatusOr<TrainingStepModule>
buildRegressionTrainingStep(mlir::MLIRContext &ctx, uint64_t seed,
                            CompositeMode mode, const Weights *weights,
                            const TrainingStepConfig &step,
                            llvm::function_ref<Tensor(GraphBuilder &)> forward);
/// The blocks' training steps: regression of "target" [batch, seq, dModel].
absl::StatusOr<TrainingStepModule>
buildGpt2BlockTrainingStep(mlir::MLIRContext &ctx, const GptConfig &config,
                           const TrainingStepConfig &step);
absl::StatusOr<TrainingStepModule>
buildBertBlockTrainingStep(mlir::MLIRContext &ctx, const BertConfig &config,
                           const TrainingStepConfig &step);
/// OK if `config` describes a buildable BERT block; an error starting
/// "bert: ".
absl::Status validateBertConfig(const BertConfig &config);
/// The label a token takes no part in the loss with (PyTorch's default).
inline constexpr int64_t kIgnoreLabel = -100;
/// The GPT's training step (Training.h): next-token prediction, the softmax
/// cross-entropy of the logits against "labels" i32 [batch, seq] (a label
/// per position: the token that follows, or kIgnoreLabel). FGM perturbs the
/// embeddings' sum.
absl::StatusOr<TrainingStepModule>
buildGptTrainingStep(mlir::MLIRContext &ctx, const GptConfig &config,
                     const TrainingStepConfig &step);
/// OK if `config` describes a buildable MLP; an error starting "mlp: ".
absl::Status validateMlpConfig(const MlpConfig &config);
/// OK for f32, bf16 and f16; an error naming `model` and the dtype otherwise.
absl::Status checkModelDType(llvm::StringRef model, DType dtype);
/// OK if `config` describes a buildable GPT (positive sizes, d_model
/// divisible by heads, seq within max_positions, a float dtype); otherwise
/// an InvalidArgument status whose message starts with "<model>: ", the
/// model being built ("gpt" for buildGpt, "gpt2-block" for buildGpt2Block).
absl::Status validateGptConfig(const GptConfig &config,
                               llvm::StringRef model = "gpt");

//===----------------------------------------------------------------------===//
// Layers, for building other models
//===----------------------------------------------------------------------===//

/// The GPT on token ids [batch, seq]: logits [batch, seq, vocab]. With
/// `embedding`, also the embeddings' sum [batch, seq, dModel] (what FGM
/// perturbs).
Tensor gpt(GraphBuilder &b, Tensor ids, const GptConfig &config,
           Tensor *embedding = nullptr);
/// The MLP on x [batch, inFeatures]: parameters "fc1.*" and "fc2.*".
Tensor mlp(GraphBuilder &b, Tensor x, const MlpConfig &config);
/// x @ W + b with parameters "<prefix>.weight" [in, out] (normal(0.02)) and
/// "<prefix>.bias" [out] (zeros).
Tensor linear(GraphBuilder &b, Tensor x, int64_t outFeatures, DType dtype,
              llvm::StringRef prefix);
/// Layer norm with "<prefix>.weight" (ones) and "<prefix>.bias" (zeros) over
/// the last dimension.
Tensor layerNormLayer(GraphBuilder &b, Tensor x, DType dtype, double epsilon,
                      llvm::StringRef prefix);
/// [B, S, H*Dh] -> [B, H, S, Dh] (reshape, transpose).
Tensor splitHeads(GraphBuilder &b, Tensor x, int64_t heads);
/// [B, H, S, Dh] -> [B, S, H*Dh] (transpose, reshape).
Tensor mergeHeads(GraphBuilder &b, Tensor x);
/// One GPT-2 pre-LN block on x [B, S, D]; parameters under "<prefix>.".
Tensor gpt2Block(GraphBuilder &b, Tensor x, const GptConfig &config,
                 llvm::StringRef prefix);
/// One BERT post-LN block on x [B, S, D] with an optional additive mask
/// broadcastable to [B, H, S, S]; parameters under "<prefix>.".
Tensor bertBlock(GraphBuilder &b, Tensor x, std::optional<Tensor> mask,
                 const BertConfig &config, llvm::StringRef prefix);

} // namespace sinter::models

#endif // SINTER_FRONTEND_MODELS_MODELS_H
