//===- Validate.cpp - Checking a descriptor before trusting it --*- C++ -*-===//
//
// The checks run in an order that never follows a pointer before it has
// been checked: magic and version first (a different version may lay the
// struct out differently), then the struct size, the pointers and ranks the
// checksum walks, the checksum itself, and then the values the runtime
// relies on (dtypes, extents, byte sizes, unique names, alignment, entry
// point, CPU features). The constants' hash (verifyConstants) comes after,
// on the runtime's threads.
//
//===----------------------------------------------------------------------===//

#include "runtime/src/Validate.h"

#include "runtime/src/Status.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <elf.h>
#include <link.h>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace sinter::runtime {

namespace {

/// More tensors than any real model has; bounds the loops over a corrupt
/// count.
constexpr uint32_t kMaxTensors = 1u << 16;

/// Bounds on a corrupt launch table: more launches than any model has, more
/// pointer arguments than CUDA's 32 KiB parameter space holds.
constexpr uint32_t kMaxLaunches = 1u << 20;
constexpr uint32_t kMaxKernelArgs = 4096;
constexpr uint64_t kMaxImageBytes = uint64_t{1} << 32;

/// Limits every CUDA device since compute capability 3.0 shares.
constexpr uint64_t kMaxThreadsPerBlock = 1024;
constexpr uint32_t kMaxBlockZ = 64;
constexpr uint32_t kMaxGridYZ = 65535;
constexpr uint32_t kMaxGridX = 0x7fffffffu;

std::string hex(uint64_t value) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "0x%llx",
                static_cast<unsigned long long>(value));
  return buffer;
}

struct CpuFeature {
  uint64_t bit;
  const char *name;
};

constexpr CpuFeature kCpuFeatures[] = {
    {SINTER_ABI_CPU_SSE42, "sse4.2"},
    {SINTER_ABI_CPU_AVX, "avx"},
    {SINTER_ABI_CPU_AVX2, "avx2"},
    {SINTER_ABI_CPU_FMA, "fma"},
    {SINTER_ABI_CPU_F16C, "f16c"},
    {SINTER_ABI_CPU_AVX512F, "avx512f"},
    {SINTER_ABI_CPU_AVX512BW, "avx512bw"},
    {SINTER_ABI_CPU_AVX512DQ, "avx512dq"},
    {SINTER_ABI_CPU_AVX512VL, "avx512vl"},
    {SINTER_ABI_CPU_AVX512BF16, "avx512bf16"},
    {SINTER_ABI_CPU_AVX512FP16, "avx512fp16"},
};

/// __builtin_cpu_supports takes a string literal, hence the switch. It also
/// checks that the OS saves the AVX/AVX-512 state (XGETBV).
bool cpuSupports(uint64_t bit) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  switch (bit) {
  case SINTER_ABI_CPU_SSE42:
    return __builtin_cpu_supports("sse4.2");
  case SINTER_ABI_CPU_AVX:
    return __builtin_cpu_supports("avx");
  case SINTER_ABI_CPU_AVX2:
    return __builtin_cpu_supports("avx2");
  case SINTER_ABI_CPU_FMA:
    return __builtin_cpu_supports("fma");
  case SINTER_ABI_CPU_F16C:
    return __builtin_cpu_supports("f16c");
  case SINTER_ABI_CPU_AVX512F:
    return __builtin_cpu_supports("avx512f");
  case SINTER_ABI_CPU_AVX512BW:
    return __builtin_cpu_supports("avx512bw");
  case SINTER_ABI_CPU_AVX512DQ:
    return __builtin_cpu_supports("avx512dq");
  case SINTER_ABI_CPU_AVX512VL:
    return __builtin_cpu_supports("avx512vl");
  case SINTER_ABI_CPU_AVX512BF16:
    return __builtin_cpu_supports("avx512bf16");
  case SINTER_ABI_CPU_AVX512FP16:
    return __builtin_cpu_supports("avx512fp16");
  default:
    return false;
  }
#else
  (void)bit;
  return false; // every feature bit is an x86 feature
#endif
}

/// "x86-64 (machine 62)"; the number alone for machines Sinter never meets.
std::string machineName(unsigned machine) {
  const char *name = nullptr;
  switch (machine) {
  case EM_386:
    name = "i386";
    break;
  case EM_ARM:
    name = "32-bit ARM";
    break;
  case EM_X86_64:
    name = "x86-64";
    break;
  case EM_AARCH64:
    name = "AArch64";
    break;
  case EM_PPC64:
    name = "PowerPC 64";
    break;
  case EM_S390:
    name = "s390";
    break;
  case EM_RISCV:
    name = "RISC-V";
    break;
  default:
    break;
  }
  std::string number = "machine " + std::to_string(machine);
  return name ? std::string(name) + " (" + number + ")" : number;
}

const char *tensorKind(bool isInput) { return isInput ? "input" : "output"; }

std::string dim3(const uint32_t v[3]) {
  return "(" + std::to_string(v[0]) + ", " + std::to_string(v[1]) + ", " +
         std::to_string(v[2]) + ")";
}

/// "launch 3 ('fusion_2')"; the name only once it has been checked.
std::string launchName(const sinter_abi_gpu_launch_t &launch, uint32_t index) {
  std::string where = "launch " + std::to_string(index);
  return launch.kernel && launch.kernel[0]
             ? where + " (" + quoted(launch.kernel) + ")"
             : where;
}

/// The pointers of a CUDA artifact's GPU program that the checksum follows.
std::string checkGpuPointers(const sinter_abi_gpu_program_t *g) {
  if (!g) {
    return "the descriptor is for CUDA but its gpu program is NULL";
  }
  if (!g->arch) {
    return "the gpu program's arch is NULL";
  }
  if (!g->ptx) {
    return "the gpu program's ptx is NULL";
  }
  if (g->ptx_size > kMaxImageBytes || g->cubin_size > kMaxImageBytes) {
    return "the gpu program declares " + std::to_string(g->ptx_size) +
           " bytes of PTX and " + std::to_string(g->cubin_size) +
           " bytes of cubin (at most 4 GiB each): corrupt descriptor";
  }
  if (g->ptx[g->ptx_size] != '\0' ||
      std::memchr(g->ptx, '\0', g->ptx_size) != nullptr) {
    return "the gpu program's ptx is not a NUL-terminated string of ptx_size " +
           std::to_string(g->ptx_size) + " bytes: corrupt descriptor";
  }
  if ((g->cubin == nullptr) != (g->cubin_size == 0)) {
    return g->cubin
               ? std::string("the gpu program has a cubin of 0 bytes")
               : "the gpu program's cubin_size is " +
                     std::to_string(g->cubin_size) + " but its cubin is NULL";
  }
  if (g->constants_size > 0 && !g->constants) {
    return "the gpu program's constants_size is " +
           std::to_string(g->constants_size) + " but its constants are NULL";
  }
  if (g->num_launches > kMaxLaunches) {
    return "the gpu program declares " + std::to_string(g->num_launches) +
           " launches (at most " + std::to_string(kMaxLaunches) +
           "): corrupt descriptor";
  }
  if (g->num_launches > 0 && !g->launches) {
    return "the gpu program declares " + std::to_string(g->num_launches) +
           " launches but its launches pointer is NULL";
  }
  for (uint32_t i = 0; i < g->num_launches; ++i) {
    const sinter_abi_gpu_launch_t &launch = g->launches[i];
    if (!launch.kernel || !launch.kernel[0]) {
      return launchName(launch, i) + " has " +
             (launch.kernel ? "an empty" : "a NULL") + " kernel name";
    }
    if (launch.num_args > kMaxKernelArgs) {
      return launchName(launch, i) + " declares " +
             std::to_string(launch.num_args) + " arguments (at most " +
             std::to_string(kMaxKernelArgs) + "): corrupt descriptor";
    }
    if (launch.num_args > 0 && !launch.args) {
      return launchName(launch, i) + " declares " +
             std::to_string(launch.num_args) +
             " arguments but its args pointer is NULL";
    }
  }
  return "";
}

/// The values of a checksummed launch table: geometry within CUDA's limits,
/// and every argument inside the buffer it points into.
std::string checkGpuLaunches(const sinter_abi_model_t &d) {
  const sinter_abi_gpu_program_t &g = *d.gpu;
  int major = 0;
  int minor = 0;
  if (!parseCudaArch(g.arch, &major, &minor)) {
    return "the gpu program's arch " + quoted(g.arch) +
           " is not of the form sm_<major><minor> (e.g. 'sm_90')";
  }
  for (uint32_t i = 0; i < g.num_launches; ++i) {
    const sinter_abi_gpu_launch_t &launch = g.launches[i];
    std::string where = launchName(launch, i) + ": ";
    for (int k = 0; k < 3; ++k) {
      if (launch.grid[k] == 0 || launch.block[k] == 0) {
        return where + "grid " + dim3(launch.grid) + " and block " +
               dim3(launch.block) + " must be at least 1 in every dimension";
      }
    }
    uint64_t threads =
        uint64_t{launch.block[0]} * launch.block[1] * launch.block[2];
    if (threads > kMaxThreadsPerBlock || launch.block[2] > kMaxBlockZ) {
      return where + "block " + dim3(launch.block) + " has " +
             std::to_string(threads) +
             " threads; CUDA allows at most 1024 per block (and 64 in z)";
    }
    if (launch.grid[0] > kMaxGridX || launch.grid[1] > kMaxGridYZ ||
        launch.grid[2] > kMaxGridYZ) {
      return where + "grid " + dim3(launch.grid) +
             " exceeds CUDA's limits (2^31 - 1 in x, 65535 in y and z)";
    }
    for (uint32_t a = 0; a < launch.num_args; ++a) {
      const sinter_abi_gpu_arg_t &arg = launch.args[a];
      std::string argWhere = where + "argument " + std::to_string(a);
      uint64_t size = 0;
      std::string buffer;
      switch (arg.kind) {
      case SINTER_ABI_GPU_ARG_INPUT:
      case SINTER_ABI_GPU_ARG_OUTPUT: {
        bool isInput = arg.kind == SINTER_ABI_GPU_ARG_INPUT;
        uint32_t count = isInput ? d.num_inputs : d.num_outputs;
        if (arg.index >= count) {
          return argWhere + " points at " + tensorKind(isInput) + " " +
                 std::to_string(arg.index) + " but the model has " +
                 std::to_string(count) + " " + tensorKind(isInput) + "s";
        }
        const sinter_abi_tensor_t &t =
            (isInput ? d.inputs : d.outputs)[arg.index];
        size = t.byte_size;
        buffer = std::string(tensorKind(isInput)) + " " +
                 std::to_string(arg.index) + " (" + quoted(t.name) + ")";
        break;
      }
      case SINTER_ABI_GPU_ARG_WORKSPACE:
        if (arg.index != 0) {
          return argWhere + " points at workspace " +
                 std::to_string(arg.index) +
                 " but there is one workspace "
                 "(index 0)";
        }
        size = d.workspace_bytes;
        buffer = "the workspace";
        break;
      case SINTER_ABI_GPU_ARG_CONSTANTS:
        if (arg.index != 0) {
          return argWhere + " points at constants " +
                 std::to_string(arg.index) +
                 " but there is one constants buffer (index 0)";
        }
        size = g.constants_size;
        buffer = "the constants";
        break;
      default:
        return argWhere + " has invalid kind " + std::to_string(arg.kind) +
               " (valid: 0 input, 1 output, 2 workspace, 3 constants)";
      }
      // An empty buffer's base may be passed; nothing can be read from it.
      if (arg.byte_offset >= size && !(size == 0 && arg.byte_offset == 0)) {
        return argWhere + " points at byte " + std::to_string(arg.byte_offset) +
               " of " + buffer + ", which has " + std::to_string(size) +
               " bytes";
      }
    }
  }
  return "";
}

} // namespace

/// What is wrong with the outputs written in place (in_place_of), or "":
/// each names an input of its dtype and shape, which no other output
/// overwrites; inputs name nothing.
static std::string checkInPlaceOutputs(const sinter_abi_model_t &d) {
  for (uint32_t i = 0; i < d.num_inputs; ++i) {
    if (d.inputs[i].in_place_of != 0) {
      return "input " + std::to_string(i) + " (" + quoted(d.inputs[i].name) +
             ") has in_place_of " + std::to_string(d.inputs[i].in_place_of) +
             "; only outputs overwrite inputs: corrupt descriptor";
    }
  }
  std::vector<uint32_t> overwrittenBy(d.num_inputs, UINT32_MAX);
  for (uint32_t o = 0; o < d.num_outputs; ++o) {
    const sinter_abi_tensor_t &out = d.outputs[o];
    if (out.in_place_of == 0) {
      continue;
    }
    std::string where = "output " + std::to_string(o) + " (" +
                        quoted(out.name) + ") is written in place into ";
    uint32_t i = out.in_place_of - 1;
    if (i >= d.num_inputs) {
      return where + "input " + std::to_string(i) + ", but there are " +
             std::to_string(d.num_inputs) + " inputs: corrupt descriptor";
    }
    const sinter_abi_tensor_t &in = d.inputs[i];
    where += "input " + std::to_string(i) + " (" + quoted(in.name) + ")";
    bool sameShape = in.rank == out.rank;
    for (uint32_t k = 0; sameShape && k < in.rank; ++k) {
      sameShape = in.shape[k] == out.shape[k];
    }
    if (in.dtype != out.dtype || !sameShape) {
      return where + ", which has dtype " + sinter_dtype_name(in.dtype) +
             " and shape " + formatShape(in.shape, in.rank) + " instead of " +
             sinter_dtype_name(out.dtype) + " " +
             formatShape(out.shape, out.rank) + ": corrupt descriptor";
    }
    if (overwrittenBy[i] != UINT32_MAX) {
      return where + ", which output " + std::to_string(overwrittenBy[i]) +
             " (" + quoted(d.outputs[overwrittenBy[i]].name) +
             ") overwrites too: corrupt descriptor";
    }
    overwrittenBy[i] = o;
  }
  return "";
}

bool parseCudaArch(const char *arch, int *outMajor, int *outMinor) {
  if (!arch || std::strncmp(arch, "sm_", 3) != 0) {
    return false;
  }
  const char *p = arch + 3;
  int value = 0;
  int digits = 0;
  for (; *p >= '0' && *p <= '9' && digits < 4; ++p, ++digits) {
    value = value * 10 + (*p - '0');
  }
  // "sm_90a": an architecture-specific suffix letter is allowed.
  if (digits < 2 || (*p && !(*p >= 'a' && *p <= 'z' && !p[1]))) {
    return false;
  }
  *outMajor = value / 10;
  *outMinor = value % 10;
  return true;
}

std::string checkElfFile(const char *path) {
  std::FILE *file = std::fopen(path, "rb");
  if (!file) {
    return std::string("cannot open: ") + std::strerror(errno);
  }
  struct Closer {
    std::FILE *file;
    ~Closer() { std::fclose(file); }
  } closer{file};
  if (std::fseek(file, 0, SEEK_END) != 0) {
    return "cannot seek";
  }
  long endOffset = std::ftell(file);
  if (endOffset < 0) {
    return "cannot tell its size";
  }
  uint64_t size = static_cast<uint64_t>(endOffset);
  std::rewind(file);
  ElfW(Ehdr) header;
  if (size < sizeof(header) ||
      std::fread(&header, sizeof(header), 1, file) != 1 ||
      std::memcmp(header.e_ident, ELFMAG, SELFMAG) != 0) {
    return ""; // not ELF: dlopen says so, safely
  }
  auto within = [&](uint64_t offset, uint64_t bytes) {
    return offset <= size && bytes <= size - offset;
  };
  std::string truncated =
      "truncated or corrupt ELF file (" + std::to_string(size) + " bytes): ";
#if defined(__x86_64__)
  constexpr unsigned kMachine = EM_X86_64;
#elif defined(__aarch64__)
  constexpr unsigned kMachine = EM_AARCH64;
#else
  constexpr unsigned kMachine = EM_NONE;
#endif
  // Class and byte order first: the rest of the header is only laid out as
  // this host's ElfW(Ehdr) when both match (an x32 or i386 object may well
  // name machine 62, x86-64).
  constexpr unsigned char kClass =
      sizeof(void *) == 8 ? ELFCLASS64 : ELFCLASS32;
  auto className = [](unsigned char c) -> std::string {
    return c == ELFCLASS32   ? "32-bit (ELFCLASS32)"
           : c == ELFCLASS64 ? "64-bit (ELFCLASS64)"
                             : "invalid class " + std::to_string(c);
  };
  if (header.e_ident[EI_CLASS] != kClass) {
    return "a " + className(header.e_ident[EI_CLASS]) +
           " ELF file, but this runtime loads " + className(kClass) +
           " shared objects";
  }
  if (header.e_ident[EI_DATA] != ELFDATA2LSB) {
    return std::string("a ") +
           (header.e_ident[EI_DATA] == ELFDATA2MSB ? "big-endian"
                                                   : "invalid byte order") +
           " ELF file, but this runtime loads little-endian shared objects";
  }
  if (kMachine != EM_NONE && header.e_machine != kMachine) {
    return "an ELF file for another architecture: " +
           machineName(header.e_machine) + ", but this runtime runs on " +
           machineName(kMachine);
  }
  if (header.e_type != ET_DYN) {
    return "an ELF file that is not a shared object (type " +
           std::to_string(header.e_type) + ")";
  }
  if (header.e_phentsize != sizeof(ElfW(Phdr)) ||
      !within(header.e_phoff, uint64_t{header.e_phnum} * sizeof(ElfW(Phdr)))) {
    return truncated + "the program headers lie past its end";
  }
  if (header.e_shnum != 0 &&
      !within(header.e_shoff, uint64_t{header.e_shnum} * header.e_shentsize)) {
    return truncated + "the section headers lie past its end";
  }
  if (std::fseek(file, static_cast<long>(header.e_phoff), SEEK_SET) != 0) {
    return truncated + "cannot read the program headers";
  }
  for (unsigned i = 0; i < header.e_phnum; ++i) {
    ElfW(Phdr) segment;
    if (std::fread(&segment, sizeof(segment), 1, file) != 1) {
      return truncated + "cannot read program header " + std::to_string(i);
    }
    if ((segment.p_type == PT_LOAD || segment.p_type == PT_DYNAMIC) &&
        !within(segment.p_offset, segment.p_filesz)) {
      return truncated + "segment " + std::to_string(i) + " (bytes " +
             std::to_string(segment.p_offset) + " to " +
             std::to_string(uint64_t{segment.p_offset} + segment.p_filesz) +
             ") extends past its end";
    }
  }
  return "";
}

uint64_t missingCpuFeatures(uint64_t required) {
  uint64_t missing = 0;
  for (int i = 0; i < 64; ++i) {
    uint64_t bit = uint64_t{1} << i;
    if ((required & bit) && !cpuSupports(bit)) {
      missing |= bit;
    }
  }
  return missing;
}

std::string cpuFeatureNames(uint64_t features) {
  std::string names;
  for (int i = 0; i < 64; ++i) {
    uint64_t bit = uint64_t{1} << i;
    if (!(features & bit)) {
      continue;
    }
    if (!names.empty()) {
      names += ", ";
    }
    const char *name = nullptr;
    for (const CpuFeature &feature : kCpuFeatures) {
      if (feature.bit == bit) {
        name = feature.name;
      }
    }
    names += name ? std::string(name) : "unknown bit " + std::to_string(i);
  }
  return names;
}

sinter_status_t validateDescriptor(const sinter_abi_model_t *d,
                                   const std::string &origin) {
  auto invalid = [&](const std::string &message) {
    return makeStatus(SINTER_STATUS_INVALID_ARGUMENT, origin + ": " + message);
  };
  if (!d) {
    return invalid("the descriptor is NULL");
  }
  if (d->magic != SINTER_ABI_MAGIC) {
    return invalid("bad descriptor magic " + hex(d->magic) + " (expected " +
                   hex(SINTER_ABI_MAGIC) +
                   " 'SNTR'): not a Sinter model descriptor, or corrupt");
  }
  if (d->abi_version != SINTER_ABI_VERSION) {
    return makeStatus(SINTER_STATUS_FAILED_PRECONDITION,
                      origin + ": the model was built for Sinter ABI version " +
                          std::to_string(d->abi_version) +
                          " but this runtime implements ABI version " +
                          std::to_string(SINTER_ABI_VERSION) +
                          "; recompile it with a matching sinter-compile");
  }
  if (d->struct_size != sizeof(sinter_abi_model_t)) {
    return invalid(
        "descriptor struct_size is " + std::to_string(d->struct_size) +
        " but ABI version " + std::to_string(SINTER_ABI_VERSION) + " defines " +
        std::to_string(sizeof(sinter_abi_model_t)) + ": corrupt descriptor");
  }
  if (!d->name) {
    return invalid("the descriptor has a NULL name");
  }
  if (d->device >= SINTER_ABI_DEVICE_COUNT) {
    return invalid("unknown device " + std::to_string(d->device) +
                   " (valid: 0 cpu, 1 cuda): corrupt descriptor, or built for "
                   "a newer runtime");
  }
  bool isCuda = d->device == SINTER_ABI_DEVICE_CUDA;
  if (isCuda) {
    std::string problem = checkGpuPointers(d->gpu);
    if (!problem.empty()) {
      return invalid(problem);
    }
  }

  if (d->constant_bytes > 0 && !d->constants) {
    return invalid("the descriptor declares " +
                   std::to_string(d->constant_bytes) +
                   " bytes of constants but its constants pointer is NULL");
  }
  if (isCuda && (d->constants != d->gpu->constants ||
                 d->constant_bytes != d->gpu->constants_size)) {
    return invalid(
        "the descriptor's constants (" + std::to_string(d->constant_bytes) +
        " bytes) are not the gpu program's (" +
        std::to_string(d->gpu->constants_size) + " bytes): corrupt descriptor");
  }

  // Everything the checksum reads, before computing it.
  for (bool isInput : {true, false}) {
    uint32_t count = isInput ? d->num_inputs : d->num_outputs;
    const sinter_abi_tensor_t *tensors = isInput ? d->inputs : d->outputs;
    if (count > kMaxTensors) {
      return invalid("the descriptor declares " + std::to_string(count) + " " +
                     tensorKind(isInput) + "s (at most " +
                     std::to_string(kMaxTensors) + "): corrupt descriptor");
    }
    if (count > 0 && !tensors) {
      return invalid("the descriptor declares " + std::to_string(count) + " " +
                     tensorKind(isInput) + "s but its " + tensorKind(isInput) +
                     "s pointer is NULL");
    }
    for (uint32_t i = 0; i < count; ++i) {
      const sinter_abi_tensor_t &t = tensors[i];
      std::string where =
          std::string(tensorKind(isInput)) + " " + std::to_string(i);
      if (!t.name) {
        return invalid(where + " has a NULL name");
      }
      where += " (" + quoted(t.name) + ")";
      if (t.rank > SINTER_ABI_MAX_RANK) {
        return invalid(where + " has rank " + std::to_string(t.rank) +
                       ", more than the maximum " +
                       std::to_string(SINTER_ABI_MAX_RANK));
      }
      if (t.rank > 0 && !t.shape) {
        return invalid(where + " has rank " + std::to_string(t.rank) +
                       " but a NULL shape");
      }
    }
  }
  uint64_t checksum = sinter_abi_signature_checksum(d);
  if (checksum != d->checksum) {
    return invalid("checksum mismatch: the descriptor records " +
                   hex(d->checksum) + " but its signature hashes to " +
                   hex(checksum) + ": corrupt artifact");
  }

  std::unordered_set<std::string_view> names;
  for (bool isInput : {true, false}) {
    uint32_t count = isInput ? d->num_inputs : d->num_outputs;
    const sinter_abi_tensor_t *tensors = isInput ? d->inputs : d->outputs;
    for (uint32_t i = 0; i < count; ++i) {
      const sinter_abi_tensor_t &t = tensors[i];
      std::string where = std::string(tensorKind(isInput)) + " " +
                          std::to_string(i) + " (" + quoted(t.name) + ")";
      uint64_t elementSize = sinter_dtype_element_size(t.dtype);
      if (elementSize == 0) {
        return invalid(where + " has invalid dtype " + std::to_string(t.dtype) +
                       " (valid: 0 to " +
                       std::to_string(SINTER_ABI_DTYPE_COUNT - 1) + ")");
      }
      uint64_t bytes = elementSize;
      bool overflow = false;
      for (uint32_t k = 0; k < t.rank; ++k) {
        if (t.shape[k] < 0) {
          return invalid(where + " has negative extent " +
                         std::to_string(t.shape[k]) + " in dimension " +
                         std::to_string(k) + " of shape " +
                         formatShape(t.shape, t.rank));
        }
        overflow |= __builtin_mul_overflow(
            bytes, static_cast<uint64_t>(t.shape[k]), &bytes);
      }
      if (overflow) {
        return invalid(where + " of shape " + formatShape(t.shape, t.rank) +
                       " has a byte size that overflows 64 bits");
      }
      if (bytes != t.byte_size) {
        return invalid(where + " of shape " + formatShape(t.shape, t.rank) +
                       " and dtype " + sinter_dtype_name(t.dtype) +
                       " declares byte_size " + std::to_string(t.byte_size) +
                       " but needs " + std::to_string(bytes));
      }
      if (!names.insert(t.name).second) {
        return invalid(where + ": the name is used by another input or output "
                               "(names must be unique)");
      }
    }
  }
  if (std::string problem = checkInPlaceOutputs(*d); !problem.empty()) {
    return invalid(problem);
  }
  if (d->workspace_alignment == 0 ||
      (d->workspace_alignment & (d->workspace_alignment - 1)) != 0) {
    return invalid("workspace_alignment " +
                   std::to_string(d->workspace_alignment) +
                   " is not a power of two");
  }
  if (isCuda) {
    if (d->entry) {
      return invalid("the descriptor is for CUDA but has a CPU entry point");
    }
    std::string problem = checkGpuLaunches(*d);
    if (!problem.empty()) {
      return invalid(problem);
    }
  } else {
    if (!d->entry) {
      return invalid("the descriptor's entry point is NULL");
    }
    if (d->gpu) {
      return invalid("the descriptor is for the CPU but has a gpu program");
    }
  }
  if (uint64_t missing = missingCpuFeatures(d->required_cpu_features)) {
    return makeStatus(SINTER_STATUS_FAILED_PRECONDITION,
                      origin +
                          ": the model requires CPU features this CPU "
                          "lacks: " +
                          cpuFeatureNames(missing) +
                          " (target: " + (d->target ? d->target : "") + ")");
  }
  return nullptr;
}

sinter_status_t verifyConstants(const sinter_abi_model_t &d,
                                const std::string &origin, ThreadPool &pool) {
  if (d.constant_bytes == 0) {
    return nullptr;
  }
  // Each chunk is hashed by whichever thread claims it; the fold is in
  // order, so the result is sinter_abi_constants_hash's on any pool.
  struct Job {
    const unsigned char *data;
    uint64_t size;
    std::vector<uint64_t> hashes;
  } job{static_cast<const unsigned char *>(d.constants), d.constant_bytes, {}};
  job.hashes.resize((d.constant_bytes + SINTER_ABI_CONSTANTS_CHUNK - 1) /
                    SINTER_ABI_CONSTANTS_CHUNK);
  pool.parallelFor(
      [](void *context, int64_t begin, int64_t end) {
        auto *job = static_cast<Job *>(context);
        for (int64_t i = begin; i < end; ++i) {
          uint64_t at = static_cast<uint64_t>(i) * SINTER_ABI_CONSTANTS_CHUNK;
          uint64_t len =
              std::min<uint64_t>(SINTER_ABI_CONSTANTS_CHUNK, job->size - at);
          job->hashes[i] = sinter_abi_xxh64(job->data + at, len);
        }
      },
      &job, static_cast<int64_t>(job.hashes.size()));
  uint64_t hash = sinter_abi_constants_hash_start(d.constant_bytes);
  for (uint64_t chunk : job.hashes) {
    hash = sinter_abi_constants_hash_fold(hash, chunk);
  }
  hash = sinter_abi_constants_hash_finish(hash);
  if (hash != d.constants_hash) {
    return makeStatus(
        SINTER_STATUS_INVALID_ARGUMENT,
        origin + ": the constants (" + std::to_string(d.constant_bytes) +
            " bytes of weights) hash to " + hex(hash) +
            " but the descriptor records " + hex(d.constants_hash) +
            ": corrupt artifact (its weights were changed after "
            "compilation)");
  }
  return nullptr;
}

} // namespace sinter::runtime
