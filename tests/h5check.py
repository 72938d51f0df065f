#!/usr/bin/python3
"""h5check.py — reads a corun snapshot file with h5py (no corun code) and
prints one line per frame: "frame K gen G pop P hash H", then "pops N" (the
length of /population) and "status S". Exit 1 if the file is inconsistent:
a frame's population differs from /population at its generation, or
generations are not increasing, or (format version 2) a frame's preview
is not the density of its blocks as docs/FORMAT.md defines it. Exit 2 if a frame or list cannot be read
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


def preview(c, b):
    """The /previews image of cells c with block b: round(255 * live / area)
    per b x b block, edge blocks clipped (docs/FORMAT.md), in integers."""
    h, w = c.shape
    ph, pw = -(-h // b), -(-w // b)
    pad = np.zeros((ph * b, pw * b), np.int64)
    pad[:h, :w] = c
    live = pad.reshape(ph, b, pw, b).sum(axis=(1, 3))
    ones = np.zeros_like(pad)
    ones[:h, :w] = 1
    area = ones.reshape(ph, b, pw, b).sum(axis=(1, 3))
    return ((255 * live + area // 2) // area).astype(np.uint8)


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
            if "previews" in f and k < f["previews"].shape[0]:
                try:
                    pv = f["previews"][k]
                except OSError as e:
                    damaged(f"preview {k} (generation {g})", e)
                if not np.array_equal(pv, preview(c, int(f.attrs["preview_block"]))):
                    print(f"MISMATCH preview {k} gen {g}: not the density of frame {k}'s blocks")
                    ok = False
            elif f.attrs.get("format_version") not in (None, "1"):
                print(f"MISSING preview {k} gen {g}")
                ok = False
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
