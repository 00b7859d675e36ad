//===- ReplayMain.cpp - Run a fuzz target without libFuzzer ---------------===//
//
// The fuzz targets' main() where libFuzzer is not linked (the gcc build that
// ./test.sh runs): every file of the corpus folders given, as it is (or cut
// at `// -----` lines with --split-input-file), then
// --mutations=N deterministic mutants of them (bit flips, byte sets,
// insertions, deletions, truncations, splices of two inputs, repeated
// chunks) from --seed. A crash is a crash of this process; the input that
// caused it is printed first (--verbose prints every one). The libFuzzer
// build (scripts/fuzz.sh) runs the same targets with coverage guidance.
//
//===----------------------------------------------------------------------===//

#include <algorithm>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <unistd.h>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

namespace {

using Bytes = std::vector<uint8_t>;

/// The input being run, for the crash handler to save.
const Bytes *current = nullptr;

/// Saves the input that crashed to sinter-fuzz-crash.bin (async-signal-safe
/// calls only), then dies of the same signal.
void onCrash(int signal) {
  static const char kMessage[] =
      "\nfuzz target crashed; its input is in sinter-fuzz-crash.bin\n";
  (void)!write(2, kMessage, sizeof(kMessage) - 1);
  if (current) {
    int fd = open("sinter-fuzz-crash.bin", O_CREAT | O_WRONLY | O_TRUNC, 0644);
    if (fd >= 0) {
      (void)!write(fd, current->data(), current->size());
      close(fd);
    }
  }
  std::signal(signal, SIG_DFL);
  std::raise(signal);
}

void installCrashHandler() {
  // Its own stack, so that a stack overflow can be reported too.
  static std::vector<char> altStack(1 << 16);
  stack_t ss{};
  ss.ss_sp = altStack.data();
  ss.ss_size = altStack.size();
  sigaltstack(&ss, nullptr);
  struct sigaction action{};
  action.sa_handler = onCrash;
  action.sa_flags = SA_ONSTACK;
  for (int s : {SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL}) {
    sigaction(s, &action, nullptr);
  }
}

void runOne(const Bytes &input) {
  current = &input;
  LLVMFuzzerTestOneInput(input.data(), input.size());
  current = nullptr;
}

Bytes mutate(std::mt19937_64 &rng, const std::vector<Bytes> &corpus) {
  Bytes b = corpus[rng() % corpus.size()];
  int steps = 1 + int(rng() % 4);
  for (int s = 0; s < steps; ++s) {
    size_t n = b.size();
    switch (rng() % 7) {
    case 0: // flip a bit
      if (n) {
        b[rng() % n] ^= uint8_t(1u << (rng() % 8));
      }
      break;
    case 1: { // set a byte to an interesting value
      static const uint8_t kValues[] = {0,   1,   0x7f, 0x80, 0xff, '{', '}',
                                        '<', '>', '"',  ':',  'x',  '0', '9'};
      if (n) {
        b[rng() % n] = kValues[rng() % sizeof(kValues)];
      }
      break;
    }
    case 2: // insert a random byte
      b.insert(b.begin() + (n ? rng() % (n + 1) : 0), uint8_t(rng()));
      break;
    case 3: // delete a range
      if (n) {
        size_t at = rng() % n, len = 1 + rng() % std::min<size_t>(n - at, 64);
        b.erase(b.begin() + at, b.begin() + at + len);
      }
      break;
    case 4: // truncate
      if (n) {
        b.resize(rng() % n);
      }
      break;
    case 5: { // splice: a prefix of this, the suffix of another
      const Bytes &o = corpus[rng() % corpus.size()];
      size_t cut = n ? rng() % n : 0, from = o.empty() ? 0 : rng() % o.size();
      b.resize(cut);
      b.insert(b.end(), o.begin() + from, o.end());
      break;
    }
    default: { // repeat a chunk (deep nesting, long runs)
      if (n) {
        size_t at = rng() % n, len = 1 + rng() % std::min<size_t>(n - at, 16);
        Bytes chunk(b.begin() + at, b.begin() + at + len);
        int times = 1 + int(rng() % 64);
        for (int t = 0; t < times; ++t) {
          b.insert(b.begin() + at, chunk.begin(), chunk.end());
        }
      }
      break;
    }
    }
  }
  return b;
}

} // namespace

int main(int argc, char **argv) {
  installCrashHandler();
  long mutations = 0;
  uint64_t seed = 1;
  bool verbose = false;
  bool split = false; // cut each file at `// -----` lines, as lit does
  std::vector<Bytes> corpus;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.rfind("--mutations=", 0) == 0) {
      mutations = std::stol(arg.substr(12));
    } else if (arg.rfind("--seed=", 0) == 0) {
      seed = std::stoull(arg.substr(7));
    } else if (arg == "--verbose") {
      verbose = true;
    } else if (arg == "--split-input-file") {
      split = true;
    } else {
      std::filesystem::path p(arg);
      std::vector<std::filesystem::path> files;
      if (std::filesystem::is_directory(p)) {
        for (const auto &e : std::filesystem::directory_iterator(p)) {
          files.push_back(e.path());
        }
      } else {
        files.push_back(p);
      }
      std::sort(files.begin(), files.end());
      for (const auto &f : files) {
        std::ifstream in(f, std::ios::binary);
        std::string text((std::istreambuf_iterator<char>(in)),
                         std::istreambuf_iterator<char>());
        std::vector<std::string> pieces;
        static const std::string kSplit = "\n// -----\n";
        size_t from = 0, at;
        while (split && (at = text.find(kSplit, from)) != std::string::npos) {
          pieces.push_back(text.substr(from, at - from));
          from = at + kSplit.size();
        }
        pieces.push_back(text.substr(from));
        for (const std::string &piece : pieces) {
          corpus.emplace_back(piece.begin(), piece.end());
          if (verbose) {
            std::fprintf(stderr, "input %s (%zu bytes)\n", f.c_str(),
                         piece.size());
          }
          runOne(corpus.back());
        }
      }
    }
  }
  if (corpus.empty()) {
    std::fprintf(stderr,
                 "usage: %s [--mutations=N] [--seed=S] [--split-input-file] "
                 "[--verbose] CORPUS...\n",
                 argv[0]);
    return 2;
  }
  std::mt19937_64 rng(seed);
  for (long m = 0; m < mutations; ++m) {
    Bytes b = mutate(rng, corpus);
    if (verbose) {
      std::fprintf(stderr, "mutant %ld (%zu bytes)\n", m, b.size());
    }
    runOne(b);
  }
  std::printf("%zu corpus inputs and %ld mutants (seed %llu): no crash\n",
              corpus.size(), mutations, (unsigned long long)seed);
  return 0;
}
