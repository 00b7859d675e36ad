"""Copies an artifact with one bit of one of its weights flipped.

  flip-constant.py IN OUT V1,V2,...

Finds the f32 values V1,V2,... (little-endian) in IN, exactly once, and
writes OUT with bit 4 of the exponent byte of the middle value flipped: what a bad disk
or a botched copy does to a weight.
"""
import struct
import sys

source, target, values = sys.argv[1], sys.argv[2], sys.argv[3]
floats = [float(v) for v in values.split(",")]
pattern = struct.pack("<%df" % len(floats), *floats)
data = bytearray(open(source, "rb").read())
at = data.find(pattern)
if at < 0 or data.find(pattern, at + 1) >= 0:
    sys.exit("%s: the values occur %s" % (source, "nowhere" if at < 0 else "twice"))
data[at + len(pattern) // 2 + 3] ^= 0x10
open(target, "wb").write(bytes(data))
