// The benchmark cases: three standalone shapes and every distinct Conv / depthwise Conv / FC shape
// of MobileNetV2-1.0 at 224x224, each with how often it occurs in the network (`count`).
//
// A case spec is plain data (it goes into the JSON report as name/count/macs):
//   fc:     { kind: 'fc', batch, inFeatures, outFeatures }
//   conv:   { kind: 'conv', batch, inH, inW, inC, outC, kH, kW, stride, pad, outH, outW }
//   dwconv: { kind: 'dwconv', ... the conv fields, with inC === outC (depth multiplier 1) }
// Convs are square-kernel, same stride and same (symmetric) padding on both axes; every layer is
// benchmarked with bias and without a fused activation.

function convOut(size, k, stride, pad) {
  return Math.floor((size + 2 * pad - k) / stride) + 1;
}

export function fcCase(name, { batch, inFeatures, outFeatures, count = 1 }) {
  return { name, kind: 'fc', count, macs: batch * inFeatures * outFeatures, batch, inFeatures, outFeatures };
}

export function convCase(name, { kind = 'conv', inH, inW, inC, outC, k, stride = 1, pad = 0, count = 1 }) {
  const outH = convOut(inH, k, stride, pad);
  const outW = convOut(inW, k, stride, pad);
  const inPerGroup = kind === 'dwconv' ? 1 : inC;
  const macs = outH * outW * outC * inPerGroup * k * k;
  return { name, kind, count, macs, batch: 1, inH, inW, inC, outC, kH: k, kW: k, stride, pad, outH, outW };
}

/** Number of output values of a case (batch included). */
export function outputSize(spec) {
  return spec.kind === 'fc' ? spec.batch * spec.outFeatures : spec.batch * spec.outH * spec.outW * spec.outC;
}

/** Number of input values of a case (batch included). */
export function inputSize(spec) {
  return spec.kind === 'fc' ? spec.batch * spec.inFeatures : spec.batch * spec.inH * spec.inW * spec.inC;
}

// MobileNetV2 (Sandler et al. 2018, table 2): t = expansion, c = output channels, n = repeats,
// s = stride of the first repeat.
const MOBILENETV2_BLOCKS = [
  { t: 1, c: 16, n: 1, s: 1 },
  { t: 6, c: 24, n: 2, s: 2 },
  { t: 6, c: 32, n: 3, s: 2 },
  { t: 6, c: 64, n: 4, s: 2 },
  { t: 6, c: 96, n: 3, s: 1 },
  { t: 6, c: 160, n: 3, s: 2 },
  { t: 6, c: 320, n: 1, s: 1 },
];

/** Every Conv / depthwise Conv / FC layer of MobileNetV2-1.0 at 224x224, in network order. */
export function mobilenetV2Layers() {
  const layers = [];
  const conv = (h, inC, outC, k, stride) => {
    const pad = (k - 1) / 2;
    const s = stride === 1 ? '' : `s${stride}`;
    layers.push(convCase(`mobilenetv2/conv${k}x${k}${s}_${h}x${h}x${inC}to${outC}`,
      { inH: h, inW: h, inC, outC, k, stride, pad }));
    return convOut(h, k, stride, pad);
  };
  const dw = (h, c, stride) => {
    const s = stride === 1 ? '' : `s${stride}`;
    layers.push(convCase(`mobilenetv2/dw3x3${s}_${h}x${h}x${c}`,
      { kind: 'dwconv', inH: h, inW: h, inC: c, outC: c, k: 3, stride, pad: 1 }));
    return convOut(h, 3, stride, 1);
  };

  let h = conv(224, 3, 32, 3, 2); // stem
  let c = 32;
  for (const { t, c: outC, n, s } of MOBILENETV2_BLOCKS) {
    for (let i = 0; i < n; i++) {
      const stride = i === 0 ? s : 1;
      const hidden = c * t;
      if (t !== 1) conv(h, c, hidden, 1, 1); // expand 1x1 (absent when t = 1)
      const outH = dw(h, hidden, stride);
      conv(outH, hidden, outC, 1, 1); // project 1x1 (linear)
      h = outH;
      c = outC;
    }
  }
  h = conv(h, c, 1280, 1, 1); // last 1x1 conv, then global average pool
  layers.push(fcCase('mobilenetv2/fc_1280to1000', { batch: 1, inFeatures: 1280, outFeatures: 1000 }));
  return layers;
}

/** The distinct layer shapes of mobilenetV2Layers(), in first-occurrence order, with counts. */
export function mobilenetV2Cases() {
  const byName = new Map();
  for (const layer of mobilenetV2Layers()) {
    const seen = byName.get(layer.name);
    if (seen) seen.count += 1;
    else byName.set(layer.name, { ...layer, count: 1 });
  }
  return [...byName.values()];
}

/** All cases, in the order they are run and printed. */
export function allCases() {
  return [
    fcCase('fc_256x1024x1024', { batch: 256, inFeatures: 1024, outFeatures: 1024 }),
    convCase('conv3x3_56x56x64', { inH: 56, inW: 56, inC: 64, outC: 64, k: 3, stride: 1, pad: 1 }),
    convCase('dwconv3x3_112x112x32', { kind: 'dwconv', inH: 112, inW: 112, inC: 32, outC: 32, k: 3, stride: 1, pad: 1 }),
    ...mobilenetV2Cases(),
  ];
}
