#!/usr/bin/python3
"""render_check.py — checks corun render's pictures with independent readers:
PIL decodes the PNG or every GIF frame, h5py reads the frames, numpy computes
the expected pixels (no corun code). Used by tests/test_render.c.

  render_check.py compare FILE.h5 IMAGE FRAMES BLOCK SCALE [IMAGE FRAMES BLOCK SCALE ...]
      IMAGE (.png: one picture; .gif: one picture per frame; a folder: its
      frame-*.png in name order) shows frames FRAMES (comma-separated frame
      indices) with one pixel value per BLOCK x BLOCK cells, each value
      SCALE x SCALE pixels. Exit 0 if every pixel of every IMAGE is right,
      else 1 naming the first wrong one.
  render_check.py previews FILE.h5
      adds /previews and preview_block to the file as docs/FORMAT.md defines
      them.
"""
import os
import sys

import h5py
import numpy as np
from PIL import Image, ImageSequence

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from h5check import preview  # noqa: E402  (the one formula of docs/FORMAT.md)


def cells(f, k):
    w = int(f.attrs["width"])
    fr = f["frames"][k]
    if f.attrs["frame_format"] == "bits":
        b = np.unpackbits(fr.astype("<u8").view(np.uint8), axis=1, bitorder="little")
        return b[:, :w].astype(np.uint64)
    return fr.astype(np.uint64)


def pictures(path):
    if os.path.isdir(path):
        names = sorted(n for n in os.listdir(path) if n.startswith("frame-") and n.endswith(".png"))
        return [np.array(Image.open(os.path.join(path, n)).convert("L")) for n in names]
    im = Image.open(path)
    return [np.array(fr.convert("L")) for fr in ImageSequence.Iterator(im)]


def open_h5(h5):
    try:
        return h5py.File(h5, "r")
    except OSError:  # written (or left) by a --swmr run: a SWMR reader opens it
        return h5py.File(h5, "r", libver="latest", swmr=True)


def compare(h5, image, frames, block, scale):
    f = open_h5(h5)
    ks = [int(k) for k in frames.split(",")]
    got = pictures(image)
    if len(got) != len(ks):
        print(f"{image}: {len(got)} pictures, expected {len(ks)}")
        return 1
    for k, pic in zip(ks, got):
        want = preview(cells(f, k), block)
        want = np.repeat(np.repeat(want, scale, axis=0), scale, axis=1)
        if pic.shape != want.shape:
            print(f"{image}: frame {k}: picture {pic.shape}, expected {want.shape}")
            return 1
        bad = np.argwhere(pic != want)
        if len(bad):
            y, x = bad[0]
            print(f"{image}: frame {k}: {len(bad)} pixels differ, first ({x},{y}): "
                  f"{pic[y, x]} instead of {want[y, x]}")
            return 1
    print(f"{image}: {len(ks)} pictures match")
    return 0


def previews(h5):
    f = h5py.File(h5, "a")
    w, h = int(f.attrs["width"]), int(f.attrs["height"])
    b = max(1, -(-w // 1024), -(-h // 1024))
    n = len(f["generation"])
    p = np.stack([preview(cells(f, k), b) for k in range(n)])
    f.create_dataset("previews", data=p, maxshape=(None,) + p.shape[1:], chunks=(1,) + p.shape[1:])
    f.attrs["preview_block"] = np.int64(b)
    return 0


if __name__ == "__main__":
    if sys.argv[1] == "compare":
        a = sys.argv[3:]
        sys.exit(max(compare(sys.argv[2], a[i], a[i + 1], int(a[i + 2]), int(a[i + 3]))
                     for i in range(0, len(a), 4)))
    if sys.argv[1] == "previews":
        sys.exit(previews(sys.argv[2]))
    sys.exit(f"unknown command {sys.argv[1]}")
