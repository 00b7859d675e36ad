/*===- embedded_add_one.c - fake_add_one linked into the test ------*- C
 *-*-===//
 *
 * The same artifact as fake_add_one.c, linked into the test binary under
 * another symbol, for sinter_model_create_from_descriptor (no dlopen).
 *
 *===----------------------------------------------------------------------===*/

#define FAKE_SYMBOL fake_embedded_descriptor
#include "fake_add_one.c"
