#!/usr/bin/python3
"""h5check.py — reads a corun snapshot file with h5py (no corun code) and
prints one line per frame: "frame K gen G pop P hash H", then "pops N" (the
length of /population) and "status S". Exit 1 if the file is inconsistent:
a frame's population differs from /population at its generation, or
generations are not increasing. Exit 2 if a frame or list cannot be read
because its checksum does not match (files with the `checksum` attribute;
HDF5 verifies it on every read), naming the frame. Used by
tests/test_snapshots*.c.

usage: h5check.py FILE [--swmr] [--frames-only-last]
"""
import sys

import h5py
import numpy as np


def fnv1a64(data: bytes) -> int:
    h = 0xCBF29CE484222325
    for b in data:
        h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def cells(f, k):
    """Frame k as a (height, width) uint8 array of 0/1."""
    w, h = int(f.attrs["width"]), int(f.attrs["height"])
    fr = f["frames"][k]
    if f.attrs["frame_format"] == "bits":
        # bit (x % 64) of little-endian uint64 word x // 64, LSB first
        b = np.unpackbits(fr.astype("<u8").view(np.uint8), axis=1, bitorder="little")
        return b[:, :w]
    return fr.astype(np.uint8)


def damaged(what, e):
    """A read HDF5 refused: name what, say whether a checksum caught it, exit 2."""
    why = "checksum mismatch" if "checksum" in str(e).lower() else "unreadable"
    print(f"DAMAGED {what}: {why} ({e})")
    sys.exit(2)


def main():
    path = sys.argv[1]
    kw = {"libver": "latest", "swmr": True} if "--swmr" in sys.argv else {}
    only_last = "--frames-only-last" in sys.argv
    with h5py.File(path, "r", **kw) as f:
        try:
            gens = f["generation"][:]
            pops = f["population"][:]
        except OSError as e:
            damaged("/generation or /population", e)
        n = min(len(gens), f["frames"].shape[0])
        ok = True
        for k in range(n):
            if only_last and k != n - 1:
                continue
            g = int(gens[k])
            try:
                c = cells(f, k)
            except OSError as e:
                damaged(f"frame {k} (generation {g})", e)
            pop = int(c.sum())
            if g < len(pops) and int(pops[g]) != pop:
                print(f"MISMATCH frame {k} gen {g}: population {pop} but /population says {int(pops[g])}")
                ok = False
            if k and gens[k] <= gens[k - 1]:
                print(f"BAD generation order at frame {k}")
                ok = False
            print(f"frame {k} gen {g} pop {pop} hash {fnv1a64(c.tobytes()):016x}")
        print(f"pops {len(pops)} hash {fnv1a64(pops.astype('<i8').tobytes()):016x}")
        print(f"status {f.attrs.get('status', '?')}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
