"""Copies an artifact with one bit of one of its weights flipped.

  flip-constant.py IN OUT V1,V2,...

Finds the f32 values V1,V2,... (little-endian) in IN and writes OUT with bit
4 of the exponent byte of the middle value flipped: what a bad disk or a
botched copy does to a weight. Every occurrence is flipped: besides the
weights the descriptor hashes, LLVM may keep a copy of a small constant in a
literal pool for the code that reads it (seen with AVX2 but not AVX-512), and
the code must read the flipped value too.
"""
import struct
import sys

source, target, values = sys.argv[1], sys.argv[2], sys.argv[3]
floats = [float(v) for v in values.split(",")]
pattern = struct.pack("<%df" % len(floats), *floats)
data = bytearray(open(source, "rb").read())
at = data.find(pattern)
if at < 0:
    sys.exit("%s: the values occur nowhere" % source)
while at >= 0:
    data[at + len(pattern) // 2 + 3] ^= 0x10
    at = data.find(pattern, at + len(pattern))
open(target, "wb").write(bytes(data))
