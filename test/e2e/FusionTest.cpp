//===- FusionTest.cpp - Fused kernels against the interpreter -------------===//
//
// Flash attention (the `attention` fusion) at sequence lengths from 1 to
// 4096, causal and not, with and without an additive bias, f32 and bf16,
// against the reference interpreter; and the workspace claim: the fused
// kernel's memory grows with S * D, not S * T, read from the descriptor.
//
//===----------------------------------------------------------------------===//

#include "test/e2e/CompileAndCheck.h"

#include "compiler/Target/Compiler.h"
#include "compiler/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/FileSystem.h"

#include <cmath>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gtest/gtest.h"

namespace sinter::e2e {
namespace {

struct AttentionCase {
  int64_t heads, s, t, d;
  bool causal, bias;
  const char *dtype;
};

std::string caseName(const testing::TestParamInfo<AttentionCase> &info) {
  const AttentionCase &c = info.param;
  return absl::StrCat("h", c.heads, "_s", c.s, "_t", c.t, "_d", c.d,
                      c.causal ? "_causal" : "_full", c.bias ? "_bias" : "",
                      "_", c.dtype);
}

std::string attentionModule(const AttentionCase &c) {
  std::string q =
      absl::StrCat("tensor<1x", c.heads, "x", c.s, "x", c.d, "x", c.dtype, ">");
  std::string kv =
      absl::StrCat("tensor<1x", c.heads, "x", c.t, "x", c.d, "x", c.dtype, ">");
  std::string bias =
      absl::StrCat("tensor<1x", c.heads, "x", c.s, "x", c.t, "x", c.dtype, ">");
  std::string scale = absl::StrCat(1.0 / std::sqrt(double(c.d)));
  return absl::StrCat("func.func @main(%q: ", q, ", %k: ", kv, ", %v: ", kv,
                      c.bias ? absl::StrCat(", %b: ", bias) : "", ") -> ", q,
                      " {\n", "  %o = sinter.attention %q, %k, %v",
                      c.bias ? absl::StrCat(" bias(%b : ", bias, ")") : "",
                      " scale = ", scale, c.causal ? " causal" : "", " : ", q,
                      ", ", kv, ", ", kv, " -> ", q, "\n  return %o : ", q,
                      "\n}\n");
}

class FlashAttentionTest : public testing::TestWithParam<AttentionCase> {};

TEST_P(FlashAttentionTest, MatchesReference) {
  CheckOptions options;
  options.fusion = "attention";
  EXPECT_EQ(compileRunAndCompare(attentionModule(GetParam()), options), "");
}

// S in {1, 7, 128, 1000, 4096}; S != T (queries at the end of the keys,
// and more queries than keys, whose first rows see no key under the causal
// mask and must be zeros). S = 4096 runs with one head and D = 16 to keep
// the f64 interpreter fast.
const AttentionCase kCases[] = {
    {2, 1, 1, 32, false, false, "f32"},
    {2, 1, 1, 32, true, false, "f32"},
    {2, 7, 7, 32, true, true, "f32"},
    {2, 7, 7, 32, false, true, "bf16"},
    {2, 128, 128, 64, true, false, "f32"},
    {2, 128, 128, 64, false, true, "f32"},
    {2, 128, 128, 64, true, true, "bf16"},
    {2, 128, 128, 64, false, false, "bf16"},
    {1, 1000, 1000, 32, true, false, "f32"},
    {1, 1000, 1000, 32, false, true, "f32"},
    {1, 1000, 1000, 32, true, true, "bf16"},
    {1, 4096, 4096, 16, true, false, "f32"},
    {1, 4096, 4096, 16, false, true, "f32"},
    {1, 4096, 4096, 16, true, false, "bf16"},
    {1, 4096, 4096, 64, true, true, "f32"},
    {2, 7, 128, 32, true, false, "f32"},
    {2, 128, 7, 32, true, true, "f32"},
    {2, 1, 1000, 32, true, false, "bf16"},
};

INSTANTIATE_TEST_SUITE_P(Attention, FlashAttentionTest,
                         testing::ValuesIn(kCases), caseName);

/// The workspace the descriptor asks for, compiling `text` with `fusion`,
/// after decomposing its composites into primitives with `decompose`.
uint64_t workspaceOf(const std::string &text, const std::string &fusion,
                     bool decompose = false) {
  auto ctx = makeContext();
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceString<mlir::ModuleOp>(text, ctx.get());
  EXPECT_TRUE(module);
  if (decompose) {
    mlir::PassManager pm(ctx.get());
    pm.addNestedPass<mlir::func::FuncOp>(createDecomposeCompositesPass());
    EXPECT_TRUE(mlir::succeeded(pm.run(*module)));
  }
  llvm::SmallString<128> path;
  int fd;
  EXPECT_FALSE(llvm::sys::fs::createTemporaryFile("sinter-ws", "so", fd, path));
  ::close(fd);
  target::CompileOptions options;
  options.fusion = fusionKinds(fusion);
  absl::StatusOr<target::CompileResult> compiled =
      compileModule(*module, options, target::EmitKind::SharedObject, path);
  llvm::sys::fs::remove(path);
  EXPECT_TRUE(compiled.ok()) << compiled.status();
  return compiled.ok() ? compiled->info.workspaceBytes : 0;
}

TEST(FlashAttentionMemory, WorkspaceAtS4096IsFarBelowTheScoreMatrix) {
  AttentionCase c{12, 4096, 4096, 64, true, false, "f32"};
  std::string text = attentionModule(c);
  const uint64_t scoresPerHead = uint64_t(4096) * 4096 * 4;
  uint64_t fused = workspaceOf(text, "all");
  uint64_t alone = workspaceOf(text, "none");
  uint64_t primitive = workspaceOf(text, "none", /*decompose=*/true);
  // Fused, or the attention op alone (fusion off): the per-tile state lives
  // on each thread's stack; the workspace holds no S x T buffer at all.
  EXPECT_LT(fused, scoresPerHead / 64) << "fused workspace " << fused;
  EXPECT_LT(alone, scoresPerHead / 64) << "unfused workspace " << alone;
  // Written in primitive ops, unfused: the scores of every head are
  // materialised.
  EXPECT_GE(primitive, scoresPerHead * 12)
      << "primitive workspace " << primitive;
}

} // namespace
} // namespace sinter::e2e
