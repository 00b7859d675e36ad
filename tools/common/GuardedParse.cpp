//===- GuardedParse.cpp - Parsing MLIR text without MLIR 19's crashes ----===//
//
// The scan is lexical, not a parser: it knows strings, comments and
// brackets, which is all that deciding nesting depth and spotting
// `array<i1: ...>` needs. Its depth can only undercount (a `>` of `->` or
// `>=` is not a bracket; a stray closer is clamped at 0), so it never
// refuses text that nests less than kMaxNesting.
//
//===----------------------------------------------------------------------===//

#include "tools/common/GuardedParse.h"

#include "mlir/Parser/Parser.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/thread.h"

#include <algorithm>
#include <optional>

namespace sinter::tools {

namespace {

bool isIdentifierChar(char c) {
  return llvm::isAlnum(c) || c == '_' || c == '$' || c == '.' || c == '-';
}

/// "<name>:<line>:<col>: <message>" for byte `offset` of `text`.
std::string located(llvm::StringRef text, llvm::StringRef name, size_t offset,
                    const llvm::Twine &message) {
  llvm::StringRef before = text.take_front(offset);
  size_t line = before.count('\n') + 1;
  size_t lineStart = before.rfind('\n');
  size_t column =
      lineStart == llvm::StringRef::npos ? offset + 1 : offset - lineStart;
  return (name + ":" + llvm::Twine(line) + ":" + llvm::Twine(column) + ": " +
          message)
      .str();
}

/// If `text` at `pos` starts `array<i1: e, ...>`, the offset of the first
/// element that is not `true` or `false`, else npos. MLIR 19 accepts an
/// integer there but stores no bytes for it, and printing the attribute
/// (in a diagnostic, or the output) then reads past its storage.
size_t badBoolArrayElement(llvm::StringRef text, size_t pos) {
  auto skipSpaces = [&](size_t p) {
    while (p < text.size() && llvm::isSpace(text[p])) {
      ++p;
    }
    return p;
  };
  size_t p = skipSpaces(pos + 5); // past "array"
  if (p >= text.size() || text[p] != '<') {
    return llvm::StringRef::npos;
  }
  p = skipSpaces(p + 1);
  if (!text.substr(p).starts_with("i1") ||
      (p + 2 < text.size() && isIdentifierChar(text[p + 2]))) {
    return llvm::StringRef::npos;
  }
  p = skipSpaces(p + 2);
  if (p >= text.size() || text[p] != ':') {
    return llvm::StringRef::npos; // array<i1>: empty
  }
  while (true) {
    p = skipSpaces(p + 1);
    size_t end = p;
    while (end < text.size() &&
           (isIdentifierChar(text[end]) || text[end] == '+')) {
      ++end;
    }
    llvm::StringRef element = text.slice(p, end);
    if (element != "true" && element != "false") {
      return p;
    }
    p = skipSpaces(end);
    if (p >= text.size() || text[p] != ',') {
      return llvm::StringRef::npos;
    }
  }
}

} // namespace

std::string findParserHazard(llvm::StringRef text, llvm::StringRef name) {
  int depth = 0;
  size_t n = text.size();
  for (size_t i = 0; i < n; ++i) {
    char c = text[i];
    switch (c) {
    case '"': {
      // To the closing quote. A string cut by a newline is the parser's to
      // report; one cut by the end of the file (a truncated dense_resource
      // blob) makes MLIR 19's lexer step past the buffer's terminator and
      // read beyond it.
      size_t start = i;
      for (++i; i < n && text[i] != '"' && text[i] != '\n'; ++i) {
        if (text[i] == '\\') {
          ++i;
        }
      }
      if (i >= n) {
        return located(text, name, start,
                       "this string runs to the end of the file, which is "
                       "cut short (a truncated dense_resource blob?)");
      }
      break;
    }
    case '/':
      if (i + 1 < n && text[i + 1] == '/') {
        i = text.find('\n', i);
        if (i == llvm::StringRef::npos) {
          return "";
        }
      }
      break;
    case '(':
    case '[':
    case '{':
    case '<':
      if (++depth > kMaxNesting) {
        return located(text, name, i,
                       "nesting deeper than " + llvm::Twine(kMaxNesting) +
                           " levels of (), [], {} and <>: refused, as "
                           "MLIR's parser recurses once per level");
      }
      break;
    case ')':
    case ']':
    case '}':
      depth = std::max(0, depth - 1);
      break;
    case '>':
      if (i == 0 || text[i - 1] != '-') {
        depth = std::max(0, depth - 1);
      }
      break;
    case 'a':
      if (text.substr(i).starts_with("array") &&
          (i == 0 || !isIdentifierChar(text[i - 1]))) {
        size_t bad = badBoolArrayElement(text, i);
        if (bad != llvm::StringRef::npos) {
          return located(text, name, bad,
                         "an array<i1: ...> element must be true or false "
                         "(MLIR 19 builds a corrupt attribute from an "
                         "integer)");
        }
      }
      break;
    default:
      // Skip the rest of an identifier, so that e.g. `%array` or `x_array`
      // is not taken for an attribute.
      if (isIdentifierChar(c)) {
        while (i + 1 < n && isIdentifierChar(text[i + 1]) &&
               text[i + 1] != '-') {
          ++i;
        }
      }
      break;
    }
  }
  return "";
}

mlir::OwningOpRef<mlir::ModuleOp> parseModuleGuarded(llvm::SourceMgr &sourceMgr,
                                                     mlir::MLIRContext *context,
                                                     std::string &hazard) {
  const llvm::MemoryBuffer *buffer =
      sourceMgr.getMemoryBuffer(sourceMgr.getMainFileID());
  hazard = findParserHazard(buffer->getBuffer(), buffer->getBufferIdentifier());
  if (!hazard.empty()) {
    return nullptr;
  }
  return mlir::parseSourceFile<mlir::ModuleOp>(sourceMgr, context);
}

int runWithLargeStack(llvm::function_ref<int()> body) {
  int result = 1;
  llvm::thread worker(std::optional<unsigned>(kToolStackBytes),
                      [&] { result = body(); });
  worker.join();
  return result;
}

} // namespace sinter::tools
