#!/usr/bin/python3
"""mpi_snap_check.py — checks a file written by tests/mpi_snap_driver.c with
h5py alone (no corun code): every frame equals the driver's pattern at its
generation, /generation is the expected list, /population holds the
pattern's population of every generation, and the attributes say what the
run was. Prints "digest D" (SHA-256 over the three datasets' shapes, types
and bytes: equal digests = identical datasets) and "status S"; exit 1 with a
reason on any mismatch.

usage: mpi_snap_check.py FILE --gens G0,G1,... --pops N --ranks P [--status S] [--job J]
       mpi_snap_check.py FILE --write-legacy
The second form writes a legacy file, as single-process corun wrote them
before snapshots were written in parallel (h5py's default chunk allocation,
no mpi_ranks/slurm_job_id): the pattern at
generations 0 and 5 of a 70x9 grid, every 5, bit-packed. --legacy checks such
a file (continued) without the provenance attributes.
"""
import argparse
import hashlib
import sys

import h5py
import numpy as np


def pattern(w, h, g):
    """The driver's grid at generation g: (h, w) uint8 of 0/1."""
    y, x = np.mgrid[0:h, 0:w].astype(np.int64)
    return (((3 * x + 5 * y + 7 * g + (x * y) % 11) % 4) == 0).astype(np.uint8)


def cells(f, k):
    w = int(f.attrs["width"])
    fr = f["frames"][k]
    if f.attrs["frame_format"] == "bits":
        b = np.unpackbits(fr.astype("<u8").view(np.uint8), axis=1, bitorder="little")
        assert not b[:, w:].any(), "padding bits past the width are not 0"
        return b[:, :w]
    return fr.astype(np.uint8)


def write_legacy(path):
    w, h = 70, 9
    wpr = (w + 63) // 64
    with h5py.File(path, "w") as f:
        for k, v in (("rule", "B3/S23"), ("boundary", "torus"), ("frame_format", "bits"),
                     ("compression", "none"), ("status", "complete"), ("host", "rank0")):
            f.attrs[k] = v
        for k, v in (("width", w), ("height", h), ("words_per_row", wpr), ("snapshot_every", 5)):
            f.attrs[k] = np.int64(v)
        frames = []
        for g in (0, 5):
            c = np.zeros((h, wpr * 64), np.uint8)
            c[:, :w] = pattern(w, h, g)
            frames.append(np.packbits(c, axis=1, bitorder="little").view("<u8"))
        f.create_dataset("frames", data=np.stack(frames), maxshape=(None, h, wpr), chunks=(1, h, wpr))
        f.create_dataset("generation", data=np.array([0, 5], "<i8"), maxshape=(None,), chunks=(1024,))
        pops = np.array([pattern(w, h, g).sum() for g in range(6)], "<i8")
        f.create_dataset("population", data=pops, maxshape=(None,), chunks=(4096,))


def main():
    if "--write-legacy" in sys.argv:
        write_legacy(sys.argv[1])
        return
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--gens", required=True)
    ap.add_argument("--pops", type=int, required=True)
    ap.add_argument("--ranks", type=int, default=1)
    ap.add_argument("--legacy", action="store_true")
    ap.add_argument("--status", default="complete")
    ap.add_argument("--job", default=None, help="expected slurm_job_id")
    a = ap.parse_args()
    want_gens = [int(g) for g in a.gens.split(",")]
    bad = []
    with h5py.File(a.file, "r") as f:
        w, h = int(f.attrs["width"]), int(f.attrs["height"])
        gens = [int(g) for g in f["generation"][:]]
        if gens != want_gens:
            bad.append(f"/generation is {gens}, expected {want_gens}")
        if f["frames"].shape[0] != len(gens):
            bad.append(f"/frames has {f['frames'].shape[0]} frames for {len(gens)} generations")
        for k, g in enumerate(gens[: f["frames"].shape[0]]):
            try:  # HDF5 verifies each chunk's checksum on read
                c = cells(f, k)
            except OSError as e:
                print(f"DAMAGED frame {k} (generation {g}): {e}")
                sys.exit(2)
            p = pattern(w, h, g)
            if not np.array_equal(c, p):
                rows = sorted(set(np.nonzero((c != p).any(axis=1))[0].tolist()))
                bad.append(f"frame {k} (generation {g}) differs from the pattern in rows {rows[:10]}")
        pops = f["population"][:]
        if len(pops) != a.pops:
            bad.append(f"/population has {len(pops)} entries, expected {a.pops}")
        for g, n in enumerate(pops[: a.pops]):
            if int(n) != int(pattern(w, h, g).sum()):
                bad.append(f"/population[{g}] is {int(n)}, expected {int(pattern(w, h, g).sum())}")
                break
        provenance = () if a.legacy else (("mpi_ranks", a.ranks), ("host", "rank0"))
        for name, want in (("status", a.status),) + provenance:
            got = f.attrs.get(name)
            if isinstance(got, bytes):
                got = got.decode()
            if got != want and not (name == "mpi_ranks" and got is not None and int(got) == want):
                bad.append(f"attribute {name} is {got!r}, expected {want!r}")
        if a.legacy:
            pass
        elif "slurm_job_id" not in f.attrs:
            bad.append("attribute slurm_job_id is missing")
        elif a.job is not None and f.attrs["slurm_job_id"] != a.job:
            bad.append(f"attribute slurm_job_id is {f.attrs['slurm_job_id']!r}, expected {a.job!r}")
        if not a.legacy:
            if f.attrs.get("checksum") != "fletcher32" or not f["frames"].fletcher32:
                bad.append("/frames carries no fletcher32 checksum")
            if "runs" not in f or len(f["runs"]) < 1:
                bad.append("/runs holds no run record")
        d = hashlib.sha256()
        if not a.legacy and "previews" not in f:
            bad.append("/previews is missing")
        for name in ("frames", "generation", "population", "previews"):
            if name not in f:  # files of format version 1 have no previews
                continue
            arr = f[name][()]
            d.update(f"{name} {arr.shape} {arr.dtype.str}\n".encode())
            d.update(arr.tobytes())
        print(f"digest {d.hexdigest()}")
        print(f"status {f.attrs.get('status')}")
    for b in bad:
        print("MISMATCH", b)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
