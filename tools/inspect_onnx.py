#!/usr/bin/python3
"""Check ONNX files and summarise them: opset, op-type histogram, how weights are stored
(initializers vs Constant nodes), quantized activation/weight dtypes, per-tensor vs per-channel.

    /usr/bin/python3 tools/inspect_onnx.py demo/models/*.onnx
"""
import collections
import os
import sys

import onnx
from onnx import numpy_helper

DT = {v: k for k, v in onnx.TensorProto.DataType.items()}


def const_values(model):
    vals = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    for n in model.graph.node:
        if n.op_type == "Constant":
            for a in n.attribute:
                if a.name == "value":
                    vals[n.output[0]] = numpy_helper.to_array(a.t)
    return vals


def summarise(path):
    m = onnx.load(path)
    onnx.checker.check_model(m)
    g = m.graph
    ops = collections.Counter(n.op_type for n in g.node)
    vals = const_values(m)
    producers = {o: n for n in g.node for o in n.output}
    const_bytes = sum(v.nbytes for v in vals.values())
    print(f"== {path}  ({os.path.getsize(path) / 1024:.1f} KiB)  checker OK")
    opsets = ", ".join(f"{o.domain or 'ai.onnx'}:{o.version}" for o in m.opset_import)
    print(f"   opset: {opsets}  "
          f"ir_version {m.ir_version}  producer {m.producer_name} {m.producer_version}")
    for kind, vs in (("input", g.input), ("output", g.output)):
        for v in vs:
            if v.name in vals:
                continue
            t = v.type.tensor_type
            dims = [d.dim_param or d.dim_value for d in t.shape.dim]
            print(f"   {kind} {v.name}: {DT[t.elem_type]} {dims}")
    print(f"   nodes {len(g.node)}; initializers {len(g.initializer)}; Constant nodes {ops.get('Constant', 0)}; "
          f"constant payload {const_bytes / 1024:.1f} KiB")
    print("   ops: " + ", ".join(f"{k} {v}" for k, v in sorted(ops.items(), key=lambda kv: (-kv[1], kv[0]))))
    # quantization details
    q_dtypes = collections.Counter()
    for n in g.node:
        if n.op_type == "QuantizeLinear" and len(n.input) > 2 and n.input[2] in vals:
            q_dtypes[str(vals[n.input[2]].dtype)] += 1
    casts = collections.Counter(DT[a.i] for n in g.node if n.op_type == "Cast" for a in n.attribute if a.name == "to")
    w_deq = collections.Counter()
    for n in g.node:
        if n.op_type != "DequantizeLinear":
            continue
        src = n.input[0]
        if src in vals:  # constant quantized tensor (weight or bias)
            x = vals[src]
            scale = vals.get(n.input[1])
            axis = next((a.i for a in n.attribute if a.name == "axis"), None)
            kind = "per-channel" if scale is not None and scale.size > 1 else "per-tensor"
            w_deq[(str(x.dtype), x.ndim, kind, axis if kind == "per-channel" else None)] += 1
    if q_dtypes or w_deq:
        print(f"   QuantizeLinear zero-point dtypes: {dict(q_dtypes)}; Cast targets: {dict(casts)}")
        for (dt, nd, kind, axis), c in sorted(w_deq.items()):
            print(f"   constant DequantizeLinear: {c} x {dt} rank-{nd} {kind}" + (f" axis={axis}" if axis is not None else ""))
    if m.metadata_props:
        print("   metadata: " + "; ".join(f"{p.key}={p.value[:60]}" for p in m.metadata_props))


if __name__ == "__main__":
    for p in sys.argv[1:]:
        summarise(p)
