import { readFileSync } from 'node:fs';
import { init, loadModel } from '/work/main/web/index.js';
import { fmnistCalibration } from '/work/main/bench/lib/model_bench.mjs';
import { loadFashionMnist } from '/work/main/tests/js/fmnist.mjs';
await init({ threads: Number(process.argv[3] || 1) });
const file = process.argv[2] || 'fmnist_mobilenet.onnx';
const fp = await loadModel(readFileSync(`/work/main/demo/models/${file}`));
const cal = fmnistCalibration(loadFashionMnist('train').images);
const q = await fp.quantize({ calibration: cal });
const input = { input: { data: cal[0].input.data.slice(0, 784), shape: [1, 1, 28, 28] } };
for (const [name, m] of [['fp32', fp], ['int8', q]]) {
  for (let i = 0; i < 200; i++) m.run(input);
  const t = [];
  for (let i = 0; i < 300; i++) { const t0 = performance.now(); m.run(input); t.push(performance.now() - t0); }
  t.sort((a, b) => a - b);
  const steps = m.profile(300, { steps: true });
  let tot = 0; for (const s of steps) tot += s.ms;
  console.log(name, 'median run', t[150].toFixed(4), 'steps sum', tot.toFixed(4));
  if (process.env.STEPS) for (const s of steps) console.log('  ', s.ms.toFixed(4), s.op, s.where);
}
