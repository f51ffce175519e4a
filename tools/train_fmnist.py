#!/usr/bin/python3
"""Train and export the two Fashion-MNIST demo/test models of wasm-int8.

Reproducible with Debian packages only (no PyPI, no torchvision, no downloads):

    apt-get install -y --no-install-recommends python3-torch python3-onnx \
        dataset-fashion-mnist libopenblas0-pthread python3-numpy
    OPENBLAS_NUM_THREADS=1 /usr/bin/python3 tools/train_fmnist.py --model all

Models
  fmnist_cnn        conv3x3(32)+BN+ReLU, conv3x3(32)+BN+ReLU, maxpool2, conv3x3(64)+BN+ReLU, maxpool2,
                    flatten, fc 3136->96 + ReLU, (dropout, training only), fc 96->10
  fmnist_mobilenet  MobileNetV2-style: stem conv3x3 s1 (16)+BN+ReLU6, inverted residual blocks
                    (expand 1x1+BN+ReLU6, depthwise 3x3+BN+ReLU6, project 1x1+BN, residual Add when
                    stride 1 and same channels), strides 28->14->7, final conv1x1 (256)+BN+ReLU6,
                    global average pool, fc 256->10

Preprocessing (deliberately trivial): x = pixel_uint8 / 255 as float32, NCHW [N,1,28,28]; no mean/std.
Output: logits [N,10] (no softmax). Classes in Fashion-MNIST label order (see CLASSES).

Outputs (in --out-dir, default demo/models):
  <name>.onnx             fp32, opset 13, input "input" [N,1,28,28] (dynamic N), output "logits" [N,10],
                          exported in eval mode with do_constant_folding=True (BN folded into Conv).
  <name>_qdq_torch.onnx   int8 QDQ ONNX from torch eager post-training quantization (qnnpack engine,
                          conv+bn(+relu) fused, per-channel symmetric int8 weights, uint8 activations
                          with HistogramObserver), calibrated on the FIRST 200 TRAINING images
                          (unaugmented, in file order), exported by torch.onnx.export at opset 13.
  fmnist_models.json      accuracies (fp32 torch, int8 torch) on all 10k test images + metadata.

ReLU6 / int8 note: torch 1.13 cannot fuse conv+bn+ReLU6 and cannot export quantized::relu6 to ONNX, so
ReLU6 is a Hardtanh(0, 6) subclass (which makes a quantized input contiguous first, working around a
torch 1.13 bug in quantized clamp on channels_last tensors) that eager quantization leaves alone (it runs as aten::hardtanh on the
quantized tensor and exports as DequantizeLinear -> Clip -> QuantizeLinear with unchanged qparams).  The
conv that feeds a ReLU6 (or the fc that feeds a ReLU) gets an activation observer that sees the clamped
value, so its output scale/zero point cover [0, 6] (resp. [0, max]) exactly as a fused conv+ReLU6 would.
"""
import argparse
import gzip
import json
import os
import random
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.ao.quantization as tq

DATA_DIR = "/usr/share/datasets/fashion-mnist"
CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
           "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
PREPROCESS = "x/255, NCHW [N,1,28,28], float32"
CALIB_COUNT = 200
# Debian's torch 1.13 runs NCHW 1x1/depthwise convs on slow reference paths; channels_last goes to oneDNN
# and trains ~10x faster.  Only the training layout changes; the exported graphs are the same.
CL = torch.channels_last
OPSET = 13


# ----------------------------------------------------------------------------- data
def load_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic = int.from_bytes(data[0:4], "big")
    ndim = magic & 0xFF
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load_split(kind):
    imgs = load_idx(os.path.join(DATA_DIR, f"{kind}-images-idx3-ubyte.gz"))
    labels = load_idx(os.path.join(DATA_DIR, f"{kind}-labels-idx1-ubyte.gz"))
    x = torch.from_numpy(imgs.astype(np.float32) / 255.0).reshape(-1, 1, 28, 28)
    y = torch.from_numpy(labels.astype(np.int64))
    return x, y


def augment(x, gen, pad=2):
    """Random crop with zero padding `pad` + random horizontal flip, batched."""
    b = x.shape[0]
    xp = F.pad(x, (pad, pad, pad, pad))
    dy = torch.randint(0, 2 * pad + 1, (b,), generator=gen)
    dx = torch.randint(0, 2 * pad + 1, (b,), generator=gen)
    ar = torch.arange(28)
    rows = (dy[:, None] + ar[None, :])[:, :, None]
    cols = (dx[:, None] + ar[None, :])[:, None, :]
    out = xp[torch.arange(b)[:, None, None], 0, rows, cols].unsqueeze(1)
    flip = torch.rand(b, generator=gen) < 0.5
    return torch.where(flip[:, None, None, None], out.flip(3), out)


# ----------------------------------------------------------------------------- models
class ReLU6(nn.Hardtanh):
    """ReLU6 that eager-mode quantization does not swap (see module docstring)."""

    def __init__(self):
        super().__init__(0.0, 6.0)

    def forward(self, x):
        # torch 1.13 bug: the quantized clamp/hardtanh kernel scrambles channels_last quantized tensors
        # (qnnpack convs return channels_last), so make the input contiguous first.  aten::contiguous
        # exports to nothing in ONNX.
        if x.is_quantized:
            x = x.contiguous()
        return super().forward(x)


def conv_bn(cin, cout, k, stride=1, groups=1):
    return [nn.Conv2d(cin, cout, k, stride, k // 2, groups=groups, bias=False), nn.BatchNorm2d(cout)]


class FmnistCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.quant = tq.QuantStub()
        self.c1 = nn.Sequential(*conv_bn(1, 32, 3), nn.ReLU())
        self.c2 = nn.Sequential(*conv_bn(32, 32, 3), nn.ReLU())
        self.p1 = nn.MaxPool2d(2)
        self.c3 = nn.Sequential(*conv_bn(32, 64, 3), nn.ReLU())
        self.p2 = nn.MaxPool2d(2)
        self.fc1 = nn.Linear(64 * 7 * 7, 96)
        self.relu = nn.ReLU()
        self.drop = nn.Dropout(0.3)
        self.fc2 = nn.Linear(96, 10)
        self.dequant = tq.DeQuantStub()

    def forward(self, x):
        x = self.quant(x)
        x = self.p1(self.c2(self.c1(x)))
        x = self.p2(self.c3(x))
        x = torch.flatten(x, 1)
        x = self.drop(self.relu(self.fc1(x)))
        x = self.fc2(x)
        return self.dequant(x)

    def fuse(self):
        for m in (self.c1, self.c2, self.c3):
            tq.fuse_modules(m, ["0", "1", "2"], inplace=True)

    def clamp_observed(self):
        # (module whose output observer sees a clamped value, lo, hi)
        return [(self.fc1, 0.0, None)]


class InvertedResidual(nn.Module):
    def __init__(self, cin, cout, stride, expand):
        super().__init__()
        hidden = cin * expand
        layers = []
        if expand != 1:
            layers += conv_bn(cin, hidden, 1) + [ReLU6()]
        layers += conv_bn(hidden, hidden, 3, stride, groups=hidden) + [ReLU6()]
        layers += conv_bn(hidden, cout, 1)
        self.conv = nn.Sequential(*layers)
        self.use_res = stride == 1 and cin == cout
        self.skip_add = nn.quantized.FloatFunctional()

    def forward(self, x):
        if self.use_res:
            return self.skip_add.add(x, self.conv(x))
        return self.conv(x)


class FmnistMobileNet(nn.Module):
    # (expand t, out channels c, repeats n, first stride s)
    # The first (t=1) block does 28->14, so the only full-resolution tensors are the stem's 16 channels
    # (expanding at 28x28 doubled the training time on 2 cores for no accuracy gain on Fashion-MNIST).
    CFG = [(1, 16, 1, 2), (4, 24, 2, 1), (4, 32, 3, 2), (4, 64, 2, 1)]
    LAST = 256

    def __init__(self):
        super().__init__()
        self.quant = tq.QuantStub()
        self.stem = nn.Sequential(*conv_bn(1, 16, 3), ReLU6())
        blocks, cin = [], 16
        for t, c, n, s in self.CFG:
            for i in range(n):
                blocks.append(InvertedResidual(cin, c, s if i == 0 else 1, t))
                cin = c
        self.blocks = nn.Sequential(*blocks)
        self.head = nn.Sequential(*conv_bn(cin, self.LAST, 1), ReLU6())
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.drop = nn.Dropout(0.1)
        self.fc = nn.Linear(self.LAST, 10)
        self.dequant = tq.DeQuantStub()

    def forward(self, x):
        x = self.quant(x)
        x = self.head(self.blocks(self.stem(x)))
        x = torch.flatten(self.pool(x), 1)
        x = self.fc(self.drop(x))
        return self.dequant(x)

    def _seqs(self):
        yield self.stem
        for b in self.blocks:
            yield b.conv
        yield self.head

    def fuse(self):
        for seq in self._seqs():
            mods = list(seq)
            for i, m in enumerate(mods):
                if isinstance(m, nn.Conv2d):
                    tq.fuse_modules(seq, [str(i), str(i + 1)], inplace=True)

    def clamp_observed(self):
        out = []
        for seq in self._seqs():
            mods = list(seq)
            for i, m in enumerate(mods):
                if isinstance(m, ReLU6):
                    out.append((mods[i - 2], 0.0, 6.0))  # fused ConvBn is at i-2 (BN slot is Identity)
        return out


MODELS = {
    "fmnist_cnn": dict(cls=FmnistCNN, epochs=8, lr=3e-3, wd=5e-4, batch=128),
    "fmnist_mobilenet": dict(cls=FmnistMobileNet, epochs=10, lr=4e-3, wd=1e-4, batch=128),
}


# ----------------------------------------------------------------------------- quantization
class ClampedHistogramObserver(tq.HistogramObserver):
    """Observes clamp(x, lo, hi): qparams for a module whose output feeds ReLU/ReLU6."""

    def __init__(self, lo=0.0, hi=None, **kwargs):
        super().__init__(**kwargs)
        self.lo, self.hi = lo, hi

    def forward(self, x_orig):
        super().forward(torch.clamp(x_orig.detach(), self.lo, self.hi))
        return x_orig


def qconfig_for(per_channel, lo=None, hi=None):
    if lo is None:
        act = tq.HistogramObserver.with_args(reduce_range=False)
    else:
        act = ClampedHistogramObserver.with_args(lo=lo, hi=hi, reduce_range=False)
    weight = tq.default_per_channel_weight_observer if per_channel else tq.default_weight_observer
    return tq.QConfig(activation=act, weight=weight)


def quantize_ptq(model_fp32, cls, calib_x, per_channel):
    torch.backends.quantized.engine = "qnnpack"
    m = cls()
    m.load_state_dict(model_fp32.state_dict())
    m.eval()
    m.fuse()
    m.qconfig = qconfig_for(per_channel)
    for mod, lo, hi in m.clamp_observed():
        mod.qconfig = qconfig_for(per_channel, lo, hi)
    tq.prepare(m, inplace=True)
    with torch.no_grad():
        for i in range(0, calib_x.shape[0], 50):
            m(calib_x[i:i + 50])
    tq.convert(m, inplace=True)
    return m


# ----------------------------------------------------------------------------- train / eval
@torch.no_grad()
def evaluate(model, x, y, bs=1000, channels_last=False):
    model.eval()
    correct = 0
    for i in range(0, x.shape[0], bs):
        xb = x[i:i + bs]
        if channels_last:
            xb = xb.contiguous(memory_format=CL)
        correct += (model(xb).argmax(1) == y[i:i + bs]).sum().item()
    return correct / x.shape[0]


def train(name, cfg, xtr, ytr, xte, yte, epochs, seed, max_batches=None):
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    model = cfg["cls"]().to(memory_format=CL)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg["lr"], weight_decay=cfg["wd"])
    bs = cfg["batch"]
    steps = (xtr.shape[0] + bs - 1) // bs
    if max_batches:
        steps = min(steps, max_batches)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=cfg["lr"], epochs=epochs, steps_per_epoch=steps)
    t0 = time.time()
    for ep in range(epochs):
        model.train()
        te = time.time()
        perm = torch.randperm(xtr.shape[0], generator=gen)
        tot_loss = 0.0
        for s in range(steps):
            idx = perm[s * bs:(s + 1) * bs]
            xb = augment(xtr[idx], gen).contiguous(memory_format=CL)
            loss = F.cross_entropy(model(xb), ytr[idx], label_smoothing=0.05)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            tot_loss += loss.item()
        acc = evaluate(model, xte, yte, channels_last=True)
        print(f"[{name}] epoch {ep + 1}/{epochs} loss {tot_loss / steps:.4f} test {acc * 100:.2f}% "
              f"({time.time() - te:.1f}s)", flush=True)
    return model.to(memory_format=torch.contiguous_format), time.time() - t0


# ----------------------------------------------------------------------------- export
def annotate_onnx(path, name, kind, extra):
    import onnx
    m = onnx.load(path)
    m.doc_string = (f"wasm-int8 {name} ({kind}). Fashion-MNIST classifier. Input 'input': float32 NCHW "
                    f"[N,1,28,28], preprocessing x = pixel/255 (no mean/std). Output 'logits': [N,10] "
                    f"(no softmax). Classes: {', '.join(CLASSES)}. Trained by tools/train_fmnist.py.")
    props = {"preprocess": PREPROCESS, "mean": "none", "std": "none", "labels": json.dumps(CLASSES),
             "source": "tools/train_fmnist.py", "torch_version": torch.__version__, "kind": kind}
    props.update(extra)
    del m.metadata_props[:]
    for k, v in props.items():
        e = m.metadata_props.add()
        e.key, e.value = k, str(v)
    onnx.checker.check_model(m)
    onnx.save(m, path)


def export(model, path, name, kind, extra):
    model.eval()
    dummy = torch.zeros(1, 1, 28, 28)
    torch.onnx.export(model, dummy, path, opset_version=OPSET, input_names=["input"],
                      output_names=["logits"], dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}},
                      do_constant_folding=True)
    annotate_onnx(path, name, kind, extra)


def run_model(name, args, data, results):
    xtr, ytr, xte, yte = data
    cfg = MODELS[name]
    epochs = args.epochs if args.epochs is not None else cfg["epochs"]
    seed = args.seed
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    model, secs = train(name, cfg, xtr, ytr, xte, yte, epochs, seed, args.max_batches)
    model.eval()
    fp32_acc = evaluate(model, xte, yte)
    params = sum(p.numel() for p in model.parameters())
    print(f"[{name}] fp32 test top1 {fp32_acc * 100:.2f}%  params {params}  train {secs:.0f}s", flush=True)
    os.makedirs(args.out_dir, exist_ok=True)
    if args.save_pt:
        torch.save(model.state_dict(), os.path.join(args.out_dir, f"{name}.pt"))

    common = {"fp32_top1": f"{fp32_acc:.4f}", "epochs": epochs, "seed": seed}
    fp32_path = os.path.join(args.out_dir, f"{name}.onnx")
    export(model, fp32_path, name, "fp32", common)

    calib = xtr[:CALIB_COUNT]
    per_channel = True
    qmodel = quantize_ptq(model, cfg["cls"], calib, per_channel)
    q_acc = evaluate(qmodel, xte, yte)
    qpath = os.path.join(args.out_dir, f"{name}_qdq_torch.onnx")
    qextra = dict(common, torch_int8_top1=f"{q_acc:.4f}", quant_engine="qnnpack",
                  weight_quant="per-channel symmetric int8", act_quant="per-tensor affine uint8 (HistogramObserver)",
                  calibration=f"first {CALIB_COUNT} training images (file order, no augmentation)")
    try:
        export(qmodel, qpath, name, "int8 QDQ (torch eager PTQ)", qextra)
    except Exception as e:  # fall back to per-tensor weights if per-channel does not export
        print(f"[{name}] per-channel QDQ export failed ({e!r}); retrying per-tensor", flush=True)
        per_channel = False
        qmodel = quantize_ptq(model, cfg["cls"], calib, per_channel)
        q_acc = evaluate(qmodel, xte, yte)
        qextra.update(torch_int8_top1=f"{q_acc:.4f}", weight_quant="per-tensor symmetric int8")
        export(qmodel, qpath, name, "int8 QDQ (torch eager PTQ)", qextra)
    print(f"[{name}] torch int8 ({'per-channel' if per_channel else 'per-tensor'}) test top1 "
          f"{q_acc * 100:.2f}%", flush=True)

    results.append({
        "name": name, "fp32_top1": round(fp32_acc, 4), "torch_int8_top1": round(q_acc, 4),
        "params": params, "epochs": epochs, "train_seconds": round(secs, 1), "preprocess": PREPROCESS,
        "files": {"fp32": f"{name}.onnx", "int8_qdq": f"{name}_qdq_torch.onnx"},
        "weight_quant": "per-channel" if per_channel else "per-tensor",
        "calibration": f"first {CALIB_COUNT} training images (file order, unaugmented)",
        "seed": seed,
    })


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", choices=["cnn", "mobilenet", "all"], default="all")
    ap.add_argument("--epochs", type=int, default=None, help="override per-model default epochs")
    ap.add_argument("--out-dir", default="demo/models")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--max-batches", type=int, default=None, help="limit batches/epoch (timing runs)")
    ap.add_argument("--save-pt", action="store_true", help="also save the fp32 state_dict (.pt)")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.use_deterministic_algorithms(True, warn_only=True)
    data = (*load_split("train"), *load_split("t10k"))
    print(f"train {tuple(data[0].shape)} test {tuple(data[2].shape)} torch {torch.__version__}", flush=True)
    names = ["fmnist_cnn", "fmnist_mobilenet"] if args.model == "all" else [f"fmnist_{args.model}"]

    json_path = os.path.join(args.out_dir, "fmnist_models.json")
    results = []
    for n in names:
        run_model(n, args, data, results)
    if os.path.exists(json_path):  # keep entries of models not retrained in this run (read late, so
        with open(json_path) as f:  # two runs with different --model can share --out-dir)
            results += [r for r in json.load(f).get("models", []) if r["name"] not in names]
    results.sort(key=lambda r: r["name"])
    doc = {
        "models": results,
        "dataset": "Fashion-MNIST (Debian dataset-fashion-mnist, /usr/share/datasets/fashion-mnist), "
                   "accuracies on all 10000 test images",
        "classes": CLASSES,
        "input": {"name": "input", "shape": ["N", 1, 28, 28], "dtype": "float32", "preprocess": PREPROCESS},
        "output": {"name": "logits", "shape": ["N", 10]},
        "torch_version": torch.__version__,
        "onnx_opset": OPSET,
    }
    with open(json_path, "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")
    print(f"wrote {json_path}")


if __name__ == "__main__":
    sys.exit(main())
