"""Writes and dumps .npy files with the standard library only (no numpy).

  npy.py write FILE DESCR SHAPE VALUES [--fortran] [--truncate N] [--header H]
      DESCR '<f4' '<f2' '<i4' '<i8' '|b1' '<u2'; SHAPE and VALUES comma
      separated ('' for a scalar shape). --truncate drops the last N bytes;
      --header replaces the header dict text.
  npy.py dump FILE
      prints "DESCR SHAPE: v v v ..." for the file's values.
"""
import struct
import sys

FORMATS = {"<f4": "f", "<f2": "e", "<i4": "i", "<i8": "q", "|b1": "?", "<u2": "H"}


def parse_numbers(text, descr):
    if not text:
        return []
    convert = float if descr[1] == "f" else int
    return [convert(v) for v in text.split(",")]


def write(args):
    path, descr, shape_text, values_text = args[:4]
    options = args[4:]
    shape = tuple(int(d) for d in shape_text.split(",") if d)
    values = parse_numbers(values_text, descr)
    fortran = "--fortran" in options
    truncate = 0
    header = None
    for i, option in enumerate(options):
        if option == "--truncate":
            truncate = int(options[i + 1])
        if option == "--header":
            header = options[i + 1]
    if header is None:
        shape_repr = "(" + ", ".join(str(d) for d in shape)
        shape_repr += ",)" if len(shape) == 1 else ")"
        header = "{'descr': '%s', 'fortran_order': %s, 'shape': %s, }" % (
            descr, "True" if fortran else "False", shape_repr)
    total = 10 + len(header) + 1
    header += " " * ((64 - total % 64) % 64) + "\n"
    data = struct.pack("<%d%s" % (len(values), FORMATS[descr]), *values)
    blob = b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header))
    blob += header.encode("latin1") + data
    if truncate:
        blob = blob[:-truncate]
    with open(path, "wb") as f:
        f.write(blob)


def dump(args):
    with open(args[0], "rb") as f:
        blob = f.read()
    assert blob[:8] == b"\x93NUMPY\x01\x00", "not a version 1.0 .npy file"
    (length,) = struct.unpack("<H", blob[8:10])
    assert (10 + length) % 64 == 0, "header not padded to 64 bytes"
    header = eval(blob[10:10 + length].decode("latin1"))
    descr = header["descr"]
    data = blob[10 + length:]
    count = len(data) // struct.calcsize(FORMATS[descr])
    values = struct.unpack("<%d%s" % (count, FORMATS[descr]), data)
    print("%s %s fortran=%s: %s" % (descr, header["shape"],
                                    header["fortran_order"],
                                    " ".join(repr(v) for v in values)))


if __name__ == "__main__":
    {"write": write, "dump": dump}[sys.argv[1]](sys.argv[2:])
