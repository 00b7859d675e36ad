/*===- embedded_cuda_add_one.c - fake_cuda_add_one in the test -*- C -*-===//
 *
 * The CUDA artifact of fake_cuda_add_one.c linked into the test binaries
 * under another symbol, for sinter_model_create_from_descriptor.
 *
 *===----------------------------------------------------------------------===*/

#define FAKE_SYMBOL fake_embedded_cuda_descriptor
#include "fake_cuda_add_one.c"
