#!/usr/bin/python3
"""Writes the small HDF5 fixtures under weights/testdata/ and expect.json.

Run once with Debian's h5py (apt-get install -y python3-h5py), from anywhere:
    /usr/bin/python3 weights/testdata/make_fixtures.py
The .h5 files and expect.json are committed; Go tests never run Python.

Every float dataset holds value(i, seed) = (((i*7919 + seed*104729) % 10007) - 5003) / 64
for its row-major element index i: exact in float32, so Go recomputes it and compares bit for bit.
expect.json records, per file, each dataset's path, shape and seed, the strings of
selected attributes, sorted member lists, and paths that must fail with an error
containing a given substring. When the real partial ResNet50 file is found
($GRAFT_SHARED or ../shared beside the repo), resnet50_partial_expect.json records
its layers' weight names, shapes and a SHA-256 of each layer's weights.
"""
import ctypes
import json
import os

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
expect = {}


def values(shape, seed, dtype=np.float32):
    n = int(np.prod(shape, dtype=np.int64))
    i = np.arange(n, dtype=np.int64)
    v = (((i * 7919 + seed * 104729) % 10007) - 5003) / 64.0
    return v.astype(dtype).reshape(shape)


class Recorder:
    def __init__(self, name):
        self.e = {"datasets": {}, "attrs": {}, "members": {}, "member_count": {}, "errors": {}}
        expect[name] = self.e

    def dataset(self, path, shape, seed):
        self.e["datasets"][path] = {"shape": list(shape), "seed": seed}

    def attr(self, path, name, strings):
        self.e["attrs"].setdefault(path, {})[name] = list(strings)

    def members(self, f, path):
        self.e["members"][path] = sorted(f[path].keys())

    def error(self, path, substring):
        self.e["errors"][path] = substring


def create(g, rec, path, shape, seed, dtype=np.float32, **kw):
    """Creates g/path holding value(i, seed) and records it under its absolute path."""
    d = g.create_dataset(path, data=values(shape, seed, dtype), **kw)
    rec.dataset(d.name, shape, seed)


def keras_like(f, rec):
    """The layout of Keras 2's legacy hdf5_format.save_weights_to_hdf5_group."""
    layers = [
        ("dense_a", [("kernel:0", (3, 4)), ("bias:0", (4,))]),
        ("conv_b", [("kernel:0", (2, 2, 3, 5)), ("bias:0", (5,))]),
        ("input_1", []),
        ("bn_c", [("gamma:0", (5,)), ("beta:0", (5,)), ("moving_mean:0", (5,)), ("moving_variance:0", (5,))]),
        ("empty_d", []),
    ]
    f.attrs["layer_names"] = np.array([n.encode() for n, _ in layers])
    f.attrs["backend"] = "tensorflow"  # h5py stores str as a variable-length string
    f.attrs["keras_version"] = "2.13.1"
    rec.attr("/", "layer_names", [n for n, _ in layers])
    rec.e["keras_layer_names"] = [n for n, _ in layers]
    rec.attr("/", "backend", ["tensorflow"])
    rec.attr("/", "keras_version", ["2.13.1"])
    seed = 1
    for name, weights in layers:
        g = f.create_group(name)
        wn = [f"{name}/{w}" for w, _ in weights]
        # Keras writes an empty list as a zero-length |S1 array.
        g.attrs["weight_names"] = np.array([w.encode() for w in wn]) if wn else np.array([], dtype="S1")
        rec.attr("/" + name, "weight_names", wn)
        for w, (_, shape) in zip(wn, weights):
            create(g, rec, w, shape, seed)
            seed += 1
    rec.members(f, "/")


def layouts(f, rec, latest):
    create(f, rec, "contig_f32le", (5, 7), 10)
    create(f, rec, "contig_f32be", (4, 3), 11, dtype=">f4")
    create(f, rec, "contig_f64le", (6,), 12, dtype="<f8")
    create(f, rec, "contig_f64be", (2, 3), 13, dtype=">f8")
    create(f, rec, "scalar", (), 14)
    create(f, rec, "zero_len", (0, 3), 15)
    # Compact: data inside the object header (small datasets only).
    space = h5py.h5s.create_simple((3, 2))
    dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
    dcpl.set_layout(h5py.h5d.COMPACT)
    d = h5py.h5d.create(f.id, b"compact", h5py.h5t.IEEE_F32LE, space, dcpl=dcpl)
    d.write(h5py.h5s.ALL, h5py.h5s.ALL, values((3, 2), 16))
    rec.dataset("/compact", (3, 2), 16)
    # Chunked: edge chunks in every axis, 3-D.
    create(f, rec, "chunked_edges", (5, 7, 3), 17, chunks=(2, 3, 2))
    create(f, rec, "chunked_gzip_shuffle", (9, 11), 18, chunks=(4, 4), compression="gzip", shuffle=True)
    create(f, rec, "chunked_fletcher", (10,), 19, chunks=(4,), fletcher32=True)
    create(f, rec, "single_chunk", (4, 6), 20, chunks=(4, 6))
    create(f, rec, "single_chunk_gzip", (4, 6), 21, chunks=(4, 6), compression="gzip")
    # Enough chunks for a multi-level v1 B-tree (earliest) / a paged fixed array (latest).
    n = 1100 if latest else 40
    create(f, rec, "many_chunks", (n,), 22, chunks=(1,))
    # Two unlimited dimensions: a v2 B-tree chunk index under libver latest.
    create(f, rec, "unlimited2", (5, 6), 23, chunks=(2, 2), maxshape=(None, None))
    create(f, rec, "unlimited2_gzip", (5, 6), 24, chunks=(2, 2), maxshape=(None, None), compression="gzip")
    # Early allocation without filters: the implicit chunk index under libver latest.
    space = h5py.h5s.create_simple((5, 4))
    dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
    dcpl.set_chunk((2, 2))
    dcpl.set_alloc_time(h5py.h5d.ALLOC_TIME_EARLY)
    d = h5py.h5d.create(f.id, b"implicit", h5py.h5t.IEEE_F32LE, space, dcpl=dcpl)
    d.write(h5py.h5s.ALL, h5py.h5s.ALL, values((5, 4), 25))
    rec.dataset("/implicit", (5, 4), 25)
    # Partly written chunked dataset: missing chunks read as zeros (seed -1: check zeros there).
    d = f.create_dataset("sparse", (4, 4), dtype="f4", chunks=(2, 2))
    d[0:2, 0:2] = 1.5
    rec.e["datasets"]["/sparse"] = {"shape": [4, 4], "seed": -1}
    # Never written contiguous dataset: reads as zeros.
    f.create_dataset("unwritten", (3,), dtype="f4")
    rec.e["datasets"]["/unwritten"] = {"shape": [3], "seed": -2}
    f.create_dataset("ints", data=np.arange(6, dtype=np.int32))
    rec.error("ints", "not floats")
    if latest:
        f.create_dataset("ext1d", data=values((10,), 26), chunks=(3,), maxshape=(None,))
        rec.error("ext1d", "extensible")
    rec.members(f, "/")


def groups(f, rec, latest):
    create(f, rec, "a/b/c/leaf", (2, 2), 30)
    create(f, rec, "a/sibling", (3,), 31)
    f["a"].attrs["fixed"] = np.array([b"one", b"two", b"three"])
    f["a"].attrs["vlen"] = ["alpha", "", "gamma"]  # variable-length string array
    f["a"].attrs["scalar_fixed"] = np.bytes_("lone")
    rec.attr("/a", "fixed", ["one", "two", "three"])
    rec.attr("/a", "vlen", ["alpha", "", "gamma"])
    rec.attr("/a", "scalar_fixed", ["lone"])
    # Many attributes: dense attribute storage (fractal heap + v2 B-tree) under libver latest.
    g = f.create_group("attrs_many")
    for i in range(20):
        g.attrs[f"attr{i:02d}"] = np.bytes_(f"value {i}")
        rec.attr("/attrs_many", f"attr{i:02d}", [f"value {i}"])
    # Many members: B-tree splits (v1 B-tree + many SNODs; dense links and a v2 B-tree).
    g = f.create_group("many")
    create(g, rec, "target", (2,), 32)
    for i in range(100):
        g[f"link{i:03d}"] = g["target"]  # hard links to one dataset
    rec.dataset("/many/link042", (2,), 32)
    rec.dataset("/many/link099", (2,), 32)
    rec.members(f, "/many")
    f["soft"] = h5py.SoftLink("/a")
    rec.error("soft/sibling", "soft link")
    rec.error("a/missing", "not found")
    rec.members(f, "/")
    rec.members(f, "/a")


def write(name, fn, libver="earliest", small_btrees=False, **kw):
    """Writes one fixture; small_btrees shrinks v1 B-tree fan-out (K=2) so few members split nodes."""
    path = os.path.join(HERE, name)
    if small_btrees:
        fcpl = h5py.h5p.create(h5py.h5p.FILE_CREATE)
        # h5py lacks H5Pset_sym_k; call the libhdf5 it is linked against.
        lib = ctypes.CDLL("libhdf5_serial.so.103")
        assert lib.H5Pset_sym_k(ctypes.c_int64(fcpl.id), 2, 2) >= 0  # group B-tree: 4 children; 4 entries per symbol node
        assert lib.H5Pset_istore_k(ctypes.c_int64(fcpl.id), 2) >= 0  # chunk B-tree: 4 children per node
        fapl = h5py.h5p.create(h5py.h5p.FILE_ACCESS)
        fapl.set_libver_bounds(h5py.h5f.LIBVER_EARLIEST, h5py.h5f.LIBVER_LATEST if libver == "latest" else h5py.h5f.LIBVER_V18)
        fid = h5py.h5f.create(path.encode(), h5py.h5f.ACC_TRUNC, fcpl=fcpl, fapl=fapl)
        f = h5py.File(fid)
    else:
        f = h5py.File(path, "w", libver=libver, **kw)
    with f:
        fn(f, Recorder(name))


write("keras_tiny_v0.h5", keras_like, libver="earliest")
write("keras_tiny_latest.h5", keras_like, libver="latest")
write("layouts_earliest.h5", lambda f, r: layouts(f, r, False), small_btrees=True)
write("layouts_latest.h5", lambda f, r: layouts(f, r, True), libver="latest")
write("groups_earliest.h5", lambda f, r: groups(f, r, False), small_btrees=True)
write("groups_latest.h5", lambda f, r: groups(f, r, True), libver="latest")


def deep_dense(f, rec):
    # Enough links for a v2 B-tree of depth 2 (512-byte nodes hold ~45 link records).
    g = f.create_group("deep")
    create(g, rec, "t", (1,), 40)
    for i in range(1500):
        g[f"{i:04d}"] = g["t"]
    rec.dataset("/deep/0000", (1,), 40)
    rec.dataset("/deep/1499", (1,), 40)
    rec.e["member_count"] = {"/deep": len(g)}


write("dense_deep_latest.h5", deep_dense, libver="latest")


def v108(f, rec):
    create(f, rec, "x", (3, 2), 50)
    rec.members(f, "/")


write("superblock_v2.h5", v108, libver=("v108", "v108"))


def userblock(f, rec):
    create(f, rec, "x", (4,), 51)
    rec.members(f, "/")


write("userblock.h5", userblock, libver="earliest", userblock_size=512)


def keras_split(f, rec):
    # Keras splits attributes over 64 KiB into name0, name1, ... (hdf5_format.save_attributes_to_hdf5_group).
    f.attrs["layer_names0"] = np.array([b"l1", b"l2"])
    f.attrs["layer_names1"] = np.array([b"l3"])
    f.attrs["backend"] = "tensorflow"
    f.attrs["keras_version"] = "2.13.1"
    for i, name in enumerate(["l1", "l2", "l3"]):
        g = f.create_group(name)
        g.attrs["weight_names0"] = np.array([f"{name}/bias:0".encode()])
        create(g, rec, f"{name}/bias:0", (2,), 60 + i)
    rec.e["keras_layer_names"] = ["l1", "l2", "l3"]


write("keras_split_attrs.h5", keras_split, libver="latest")


def keras_model(f, rec):
    # Model.save(): the weights live under model_weights/ with the same layout.
    f.attrs["model_config"] = '{"class_name": "Sequential"}'
    mw = f.create_group("model_weights")
    mw.attrs["layer_names"] = np.array([b"dense"])
    mw.attrs["backend"] = "tensorflow"
    mw.attrs["keras_version"] = "2.13.1"
    rec.e["keras_layer_names"] = ["dense"]
    g = mw.create_group("dense")
    g.attrs["weight_names"] = np.array([b"dense/kernel:0", b"dense/bias:0"])
    create(g, rec, "dense/kernel:0", (3, 2), 70)
    create(g, rec, "dense/bias:0", (2,), 71)


write("keras_model_save.h5", keras_model, libver="latest")


def real_file_expect():
    """Shapes and per-layer SHA-256 of the real partial ResNet50 file, if it is present.

    The hash covers each weight's float32 little-endian bytes, in weight_names order.
    """
    shared = os.environ.get("GRAFT_SHARED") or os.path.join(HERE, "..", "..", "..", "shared")
    path = os.path.join(shared, "data", "resnet50-keras-partial", "resnet50_weights_tf_dim_ordering_tf_kernels.partial.h5")
    if not os.path.exists(path):
        print("real file not found; resnet50_partial_expect.json left as it is")
        return
    import hashlib
    layers = []
    with h5py.File(path, "r") as f:
        for name in f.attrs["layer_names"]:
            name = name.decode()
            g = f[name]
            h = hashlib.sha256()
            weights = []
            for wn in g.attrs["weight_names"]:
                wn = wn.decode()
                data = np.asarray(g[wn], dtype="<f4")
                h.update(data.tobytes())
                weights.append([wn, list(data.shape)])
            layers.append({"name": name, "weights": weights, "sha256": h.hexdigest()})
        out = {"layers": layers, "backend": f.attrs["backend"], "keras_version": f.attrs["keras_version"]}
    with open(os.path.join(HERE, "resnet50_partial_expect.json"), "w") as fp:
        json.dump(out, fp, separators=(",", ":"))
        fp.write("\n")


real_file_expect()

with open(os.path.join(HERE, "expect.json"), "w") as out:
    json.dump(expect, out, indent=1, sort_keys=True)
    out.write("\n")
