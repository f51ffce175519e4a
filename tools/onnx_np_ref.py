#!/usr/bin/python3
"""Tiny numpy reference interpreter for the ops in the Fashion-MNIST ONNX files (no onnxruntime here).

Checks that the exported files compute what torch computed:
    /usr/bin/python3 tools/onnx_np_ref.py demo/models/*.onnx [--n 1000]
Supported ops: Constant, ConstantOfShape, Cast, QuantizeLinear, DequantizeLinear, Conv, Gemm, Relu, Clip,
MaxPool (no padding), GlobalAveragePool, Add, Flatten. Float math for QDQ (DequantizeLinear -> fp32 op ->
QuantizeLinear), so int8 results can differ slightly from an integer-requantizing engine. Slow and simple.
"""
import argparse
import gzip
import os

import numpy as np
import onnx
from onnx import numpy_helper, helper

NP = {1: np.float32, 2: np.uint8, 3: np.int8, 6: np.int32, 7: np.int64}


def attrs(n):
    return {a.name: helper.get_attribute_value(a) for a in n.attribute}


def conv(x, w, b, a):
    n, c, h, wd = x.shape
    m, cg, kh, kw = w.shape
    g = a.get("group", 1)
    sh, sw = a.get("strides", [1, 1])
    pt, pl, pb, pr = a.get("pads", [0, 0, 0, 0])
    xp = np.pad(x, ((0, 0), (0, 0), (pt, pb), (pl, pr)))
    oh = (h + pt + pb - kh) // sh + 1
    ow = (wd + pl + pr - kw) // sw + 1
    out = np.zeros((n, m, oh, ow), np.float32)
    mg = m // g
    for gi in range(g):
        xs = xp[:, gi * cg:(gi + 1) * cg]
        ws = w[gi * mg:(gi + 1) * mg]
        for i in range(kh):
            for j in range(kw):
                patch = xs[:, :, i:i + sh * oh:sh, j:j + sw * ow:sw]  # n,cg,oh,ow
                out[:, gi * mg:(gi + 1) * mg] += np.einsum("nchw,mc->nmhw", patch, ws[:, :, i, j], optimize=True)
    if b is not None:
        out += b.reshape(1, -1, 1, 1)
    return out


def bshape(v, axis, ndim):
    if v.ndim == 0 or v.size == 1:
        return v.reshape(())
    s = [1] * ndim
    s[axis] = v.size
    return v.reshape(s)


def run(model, x):
    env = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    env[model.graph.input[0].name] = x
    for n in model.graph.node:
        a = attrs(n)
        i = [env[k] if k else None for k in n.input]
        t = n.op_type
        if t == "Constant":
            r = numpy_helper.to_array(a["value"])
        elif t == "ConstantOfShape":
            v = numpy_helper.to_array(a["value"]) if "value" in a else np.zeros(1, np.float32)
            r = np.full(tuple(i[0]), v.reshape(-1)[0], v.dtype)
        elif t == "Cast":
            r = i[0].astype(NP[a["to"]])
        elif t == "QuantizeLinear":
            zp = i[2] if len(i) > 2 else np.uint8(0)
            ax = a.get("axis", 1)
            s = bshape(i[1].astype(np.float32), ax, i[0].ndim)
            z = bshape(zp, ax, i[0].ndim).astype(np.int32)
            info = np.iinfo(zp.dtype)
            r = np.clip(np.rint(i[0] / s) + z, info.min, info.max).astype(zp.dtype)
        elif t == "DequantizeLinear":
            ax = a.get("axis", 1)
            zp = i[2] if len(i) > 2 else np.zeros((), i[0].dtype)
            s = bshape(i[1].astype(np.float32), ax, i[0].ndim)
            z = bshape(zp, ax, i[0].ndim).astype(np.int64)
            r = ((i[0].astype(np.int64) - z).astype(np.float32) * s).astype(np.float32)
        elif t == "Conv":
            r = conv(i[0], i[1], i[2] if len(i) > 2 else None, a)
        elif t == "Gemm":
            A = i[0].T if a.get("transA", 0) else i[0]
            B = i[1].T if a.get("transB", 0) else i[1]
            r = a.get("alpha", 1.0) * (A @ B)
            if len(i) > 2 and i[2] is not None:
                r = r + a.get("beta", 1.0) * i[2]
            r = r.astype(np.float32)
        elif t == "Relu":
            r = np.maximum(i[0], 0)
        elif t == "Clip":
            lo = i[1] if len(i) > 1 and i[1] is not None else -np.inf
            hi = i[2] if len(i) > 2 and i[2] is not None else np.inf
            r = np.clip(i[0], lo, hi)
        elif t == "MaxPool":
            k = a["kernel_shape"]; s = a.get("strides", k)
            assert a.get("pads", [0, 0, 0, 0]) == [0, 0, 0, 0] or not any(a.get("pads", []))
            nn_, c, h, w = i[0].shape
            oh, ow = (h - k[0]) // s[0] + 1, (w - k[1]) // s[1] + 1
            r = np.full((nn_, c, oh, ow), -np.inf, np.float32)
            for y in range(k[0]):
                for z in range(k[1]):
                    r = np.maximum(r, i[0][:, :, y:y + s[0] * oh:s[0], z:z + s[1] * ow:s[1]])
        elif t == "GlobalAveragePool":
            r = i[0].mean(axis=(2, 3), keepdims=True)
        elif t == "Add":
            r = i[0] + i[1]
        elif t == "Flatten":
            ax = a.get("axis", 1)
            r = i[0].reshape(int(np.prod(i[0].shape[:ax])), -1)
        else:
            raise NotImplementedError(t)
        env[n.output[0]] = r
    return env[model.graph.output[0].name]


def load_test(n):
    d = "/usr/share/datasets/fashion-mnist"
    with gzip.open(os.path.join(d, "t10k-images-idx3-ubyte.gz")) as f:
        x = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 1, 28, 28)[:n]
    with gzip.open(os.path.join(d, "t10k-labels-idx1-ubyte.gz")) as f:
        y = np.frombuffer(f.read(), np.uint8, offset=8)[:n]
    return x.astype(np.float32) / 255.0, y


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("files", nargs="+")
    ap.add_argument("--n", type=int, default=1000, help="first N test images")
    args = ap.parse_args()
    x, y = load_test(args.n)
    for p in args.files:
        m = onnx.load(p)
        correct = 0
        for s in range(0, args.n, 250):
            correct += int((run(m, x[s:s + 250]).argmax(1) == y[s:s + 250]).sum())
        print(f"{p}: numpy-reference top1 on first {args.n} test images = {correct / args.n * 100:.2f}%")


if __name__ == "__main__":
    main()
