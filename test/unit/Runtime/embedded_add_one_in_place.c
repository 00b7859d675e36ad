/*===- embedded_add_one_in_place.c - add_one with y written over x -*- C
 *-*-===//
 *
 * fake_add_one.c with FAKE_IN_PLACE, linked into the test binary: output y
 * is written in place into input x's buffer (the descriptor's in_place_of).
 *
 *===----------------------------------------------------------------------===*/

#define FAKE_SYMBOL fake_embedded_in_place_descriptor
#define FAKE_IN_PLACE
#include "fake_add_one.c"
