//===- FusionKindsTest.cpp - Parsing and printing the fusion kinds --------===//

#include "compiler/Transforms/FusionKinds.h"

#include "gtest/gtest.h"

namespace sinter {
namespace {

FusionKinds parseOk(llvm::StringRef text) {
  std::string error;
  mlir::FailureOr<FusionKinds> kinds = FusionKinds::parse(text, error);
  EXPECT_TRUE(mlir::succeeded(kinds)) << text.str() << ": " << error;
  return mlir::succeeded(kinds) ? *kinds : FusionKinds::none();
}

TEST(FusionKindsTest, AllAndNoneAreTheFullAndEmptySets) {
  EXPECT_EQ(parseOk("all"), FusionKinds::all());
  EXPECT_TRUE(parseOk("none").empty());
  EXPECT_EQ(parseOk(" none "), FusionKinds::none());
  for (llvm::StringRef kind : FusionKinds::kNames) {
    EXPECT_TRUE(FusionKinds::all().contains(kind)) << kind.str();
    EXPECT_FALSE(FusionKinds::none().contains(kind)) << kind.str();
  }
  EXPECT_EQ(FusionKinds::all().str(), "all");
  EXPECT_EQ(FusionKinds::none().str(), "none");
}

TEST(FusionKindsTest, AListSelectsItsKindsAndPrintsInOneOrder) {
  FusionKinds kinds = parseOk("sibling, loop,,reduction");
  EXPECT_TRUE(kinds.contains("loop"));
  EXPECT_TRUE(kinds.contains("reduction"));
  EXPECT_TRUE(kinds.contains("sibling"));
  EXPECT_FALSE(kinds.contains("epilogue"));
  EXPECT_FALSE(kinds.contains("attention"));
  EXPECT_FALSE(kinds.contains("nonsense"));
  EXPECT_EQ(kinds.str(), "loop,reduction,sibling");
  EXPECT_EQ(parseOk(kinds.str()), kinds);
  EXPECT_EQ(parseOk("loop,reduction,epilogue,attention,sibling").str(), "all");
}

TEST(FusionKindsTest, AnUnknownOrEmptyKindIsNamed) {
  for (llvm::StringRef text : {"loop,bogus", "", ","}) {
    std::string error;
    EXPECT_TRUE(mlir::failed(FusionKinds::parse(text, error))) << text.str();
    EXPECT_NE(error.find("unknown fusion kind"), std::string::npos) << error;
    EXPECT_NE(error.find("(expected loop, reduction, epilogue, attention or "
                         "sibling)"),
              std::string::npos)
        << error;
  }
  std::string error;
  ASSERT_TRUE(mlir::failed(FusionKinds::parse("loop,bogus", error)));
  EXPECT_NE(error.find("'bogus'"), std::string::npos) << error;
}

TEST(FusionKindsTest, TheHelpListsEveryKind) {
  std::string help = FusionKinds::help().str();
  for (llvm::StringRef kind : FusionKinds::kNames) {
    EXPECT_NE(help.find(kind.str()), std::string::npos) << kind.str();
  }
  EXPECT_NE(help.find("all (default), none"), std::string::npos) << help;
}

} // namespace
} // namespace sinter
