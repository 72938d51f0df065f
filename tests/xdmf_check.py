"""xdmf_check.py — checks a corun .xmf against its HDF5 file.

usage: xdmf_check.py FILE.xmf [--require-reader] [--read-at-most N] [--killed]

1. Structure (xml.etree + h5py): a Domain of temporal collections
   ("previews", and "frames" for byte frames), one uniform 2DCoRectMesh grid
   per complete frame (as many as /generation lists, times = generations),
   each cell attribute a hyperslab of one frame of an existing uint8
   dataset of the declared shape.
2. A real reader: the XDMF 3 library (Debian's libxdmf3, the library of
   ParaView's Xdmf3 readers) through its C API: it must parse the file and
   see every grid with its time, and read every grid's cell values (count
   and type; the values: see reader()); with --read-at-most N, the values
   of N grids spread over the series, first and last included (the library
   opens the HDF5 file for each read: a long series of a killed run takes
   about 0.4 s a grid).
--killed: the writer was killed (kill -9), so the .xmf may list one frame
fewer than /generation (the kill came between the index reaching the disk
and the .xmf's rewrite), never more; those frames are checked. Debian's python3-xdmf
   bindings fail to import (undefined symbols), so its C API is called with
   ctypes. Without libxdmf3 this part is skipped (said on stdout), unless
   --require-reader.
Prints "ok ..." and exits 0, or names what is wrong and exits 1.
"""
import ctypes
import ctypes.util
import os
import sys
import xml.etree.ElementTree as ET

import h5py
import numpy as np


def fail(msg):
    print("xdmf_check: " + msg)
    sys.exit(1)


def structure(xmf, f, killed):
    root = ET.parse(xmf).getroot()
    if root.tag != "Xdmf" or root.get("Version") not in ("2.0", "3.0"):
        fail("root element is %s version %s" % (root.tag, root.get("Version")))
    dom = root.find("Domain")
    if dom is None:
        fail("no Domain")
    gens = list(f["generation"][:])
    listed = {len(c.findall("Grid")) for c in dom.findall("Grid")}
    if killed and len(listed) == 1 and listed.pop() == len(gens) - 1:
        gens = gens[:-1]
    W, H = int(f.attrs["width"]), int(f.attrs["height"])
    series = {}
    for coll in dom.findall("Grid"):
        if coll.get("GridType") != "Collection" or coll.get("CollectionType") != "Temporal":
            fail("top-level grid %s is not a temporal collection" % coll.get("Name"))
        grids = coll.findall("Grid")
        dpath = "/" + coll.get("Name")  # (a series without frames yet)
        if len(grids) != len(gens):
            fail("%s lists %d frames, /generation %d" % (coll.get("Name"), len(grids), len(gens)))
        for k, g in enumerate(grids):
            t = g.find("Time")
            if t is None or int(float(t.get("Value"))) != gens[k]:
                fail("%s frame %d: time %s, generation %d" % (coll.get("Name"), k,
                     None if t is None else t.get("Value"), gens[k]))
            topo = g.find("Topology")
            if topo.get("TopologyType") != "2DCoRectMesh":
                fail("topology %s" % topo.get("TopologyType"))
            ny, nx = (int(v) - 1 for v in topo.get("Dimensions").split())
            geo = g.find("Geometry")
            if geo.get("GeometryType") != "ORIGIN_DXDY" or len(geo.findall("DataItem")) != 2:
                fail("geometry %s" % geo.get("GeometryType"))
            dx = [float(v) for v in geo.findall("DataItem")[1].text.split()]
            att = g.find("Attribute")
            if att.get("Center") != "Cell":
                fail("attribute centred on %s" % att.get("Center"))
            hs = att.find("DataItem")
            if hs.get("ItemType") != "HyperSlab":
                fail("attribute data is not a hyperslab")
            sel, ref = hs.findall("DataItem")
            start = [int(v) for v in sel.text.split()]
            if start != [k, 0, 0, 1, 1, 1, 1, ny, nx]:
                fail("frame %d: hyperslab %s" % (k, start))
            fname, _, dpath = ref.text.strip().partition(":")
            h5 = os.path.join(os.path.dirname(os.path.abspath(xmf)), fname)
            if os.path.realpath(h5) != os.path.realpath(f.filename):
                fail("frame %d refers to %s, not %s" % (k, h5, f.filename))
            d = f[dpath]
            dims = tuple(int(v) for v in ref.get("Dimensions").split())
            if d.dtype != np.uint8 or ref.get("NumberType") != "UChar" or ref.get("Precision") != "1":
                fail("%s is %s, declared %s/%s" % (dpath, d.dtype, ref.get("NumberType"),
                                                   ref.get("Precision")))
            if d.shape[1:] != (ny, nx) or dims != (len(gens), ny, nx) or d.shape[0] < len(gens):
                fail("%s has shape %s, declared %s, grid %dx%d" % (dpath, d.shape, dims, ny, nx))
            cell = int(f.attrs["preview_block"]) if dpath == "/previews" else 1
            if dx != [cell, cell] or ny != -(-H // cell) or nx != -(-W // cell):
                fail("%s: cells of %s for block %d of %dx%d" % (dpath, dx, cell, W, H))
        series[coll.get("Name")] = dpath
    return series, gens


def reader(xmf, f, series, gens, require, at_most):
    name = ctypes.util.find_library("Xdmf") or "libXdmf.so.3"
    try:
        lib = ctypes.CDLL(name)
    except OSError:
        if require:
            fail("the XDMF library (libxdmf3) is not installed")
        print("xdmf_check: real reader skipped: the XDMF library (Debian's libxdmf3) is not installed")
        return 0
    P, U, I = ctypes.c_void_p, ctypes.c_uint, ctypes.c_int
    sig = {
        "XdmfReaderNew": (P, []),
        "XdmfReaderRead": (P, [P, ctypes.c_char_p, ctypes.POINTER(I)]),
        "XdmfDomainGetNumberGridCollections": (U, [P]),
        "XdmfDomainGetGridCollection": (P, [P, U]),
        "XdmfGridCollectionGetName": (ctypes.c_char_p, [P]),
        "XdmfGridCollectionGetNumberRegularGrids": (U, [P]),
        "XdmfGridCollectionGetRegularGrid": (P, [P, U]),
        "XdmfRegularGridGetTime": (P, [P]),
        "XdmfTimeGetValue": (ctypes.c_double, [P]),
        "XdmfRegularGridGetNumberAttributes": (U, [P]),
        "XdmfRegularGridGetAttribute": (P, [P, U]),
        "XdmfAttributeRead": (None, [P, ctypes.POINTER(I)]),
        "XdmfAttributeGetSize": (U, [P]),
        "XdmfAttributeGetArrayType": (I, [P, ctypes.POINTER(I)]),
    }
    fn = {}
    for n, (res, args) in sig.items():
        fn[n] = getattr(lib, n)
        fn[n].restype, fn[n].argtypes = res, args
    UINT8 = 4  # XDMF_ARRAY_TYPE_UINT8
    st = I(0)
    dom = fn["XdmfReaderRead"](fn["XdmfReaderNew"](), os.path.abspath(xmf).encode(), ctypes.byref(st))
    if not dom or st.value == -1:  # XDMF_FAIL
        fail("the XDMF library could not read %s (status %d)" % (xmf, st.value))
    nc = fn["XdmfDomainGetNumberGridCollections"](dom)
    if nc != len(series):
        fail("the XDMF library sees %d collections, expected %d" % (nc, len(series)))
    values = 0
    for c in range(nc):
        coll = fn["XdmfDomainGetGridCollection"](dom, c)
        cname = fn["XdmfGridCollectionGetName"](coll).decode()
        d = f[series[cname]]
        ng = fn["XdmfGridCollectionGetNumberRegularGrids"](coll)
        if ng != len(gens):
            fail("the XDMF library sees %d %s, /generation lists %d" % (ng, cname, len(gens)))
        read = set(range(ng))
        if at_most and ng > at_most:
            read = {round(i * (ng - 1) / (at_most - 1)) for i in range(at_most)} if at_most > 1 else {ng - 1}
        for k in range(ng):
            g = fn["XdmfGridCollectionGetRegularGrid"](coll, k)
            t = fn["XdmfTimeGetValue"](fn["XdmfRegularGridGetTime"](g))
            if t != gens[k]:
                fail("the XDMF library reads time %g for %s %d, generation %d" % (t, cname, k, gens[k]))
            if fn["XdmfRegularGridGetNumberAttributes"](g) != 1:
                fail("%s %d: not one attribute" % (cname, k))
            if k not in read:
                continue
            a = fn["XdmfRegularGridGetAttribute"](g, 0)
            fn["XdmfAttributeRead"](a, ctypes.byref(st))
            n = fn["XdmfAttributeGetSize"](a)
            want = d[k].ravel()
            if st.value == -1 or n != want.size:
                fail("the XDMF library read %d values of %s %d (status %d), expected %d"
                     % (n, cname, k, st.value, want.size))
            # The values themselves are compared with h5py's by structure()'s
            # hyperslab check only: this libxdmf3 (3.0+git2019) applies a
            # HyperSlab's start/stride/count to the data first index fastest,
            # so it reads other values than the XDMF spec's row-major
            # selection (ParaView's XDMF reader and VisIt read it as the spec
            # says). Its type must be uint8 all the same.
            if fn["XdmfAttributeGetArrayType"](a, ctypes.byref(st)) != UINT8:
                fail("the XDMF library reads %s %d as another type than uint8" % (cname, k))
            values += n
    return values


def main():
    argv = sys.argv[1:]
    at_most = 0
    if "--read-at-most" in argv:
        i = argv.index("--read-at-most")
        if i + 1 >= len(argv) or not argv[i + 1].isdigit():
            fail("--read-at-most needs a number")
        at_most = int(argv[i + 1])
        del argv[i:i + 2]
    args = [a for a in argv if not a.startswith("--")]
    if len(args) != 1:
        fail("usage: xdmf_check.py FILE.xmf [--require-reader] [--read-at-most N] [--killed]")
    xmf = args[0]
    root = ET.parse(xmf).getroot()
    ref = root.find(".//DataItem[@Format='HDF']")
    h5 = None
    if ref is not None:
        h5 = os.path.join(os.path.dirname(os.path.abspath(xmf)), ref.text.strip().partition(":")[0])
    else:  # no frames yet: the file with the same stem
        h5 = os.path.splitext(xmf)[0] + ".h5"
    with h5py.File(h5, "r") as f:
        series, gens = structure(xmf, f, "--killed" in argv)
        n = reader(xmf, f, series, gens, "--require-reader" in argv, at_most)
        print("ok %d frames, series %s, %d values read by the XDMF library"
              % (len(f["generation"]), ",".join(sorted(series)), n))


main()
