// The shipped Fashion-MNIST models (demo/models, made by tools/train_fmnist.py) against
// onnxruntime-web on the same files and the real test images of Debian's dataset-fashion-mnist:
// - fp32: logits within 1e-4 on 100 test images;
// - torch's QDQ int8 export: the same top-1 on >= 99.5 % of the 10k test images, and accuracy
//   within 0.2 points of onnxruntime's.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, test } from 'node:test';
import { init, loadModel } from '../../web/index.js';
import { argmax, batchOf, loadFashionMnist } from './fmnist.mjs';
import { ortSession } from './ort.mjs';

const MODELS = new URL('../../demo/models/', import.meta.url);
const manifest = JSON.parse(readFileSync(new URL('fmnist_models.json', MODELS), 'utf8'));
let testSet;

before(async () => {
  await init();
  testSet = loadFashionMnist('t10k');
});

async function compare(file, images, visit) {
  const bytes = readFileSync(new URL(file, MODELS));
  const ours = await loadModel(bytes);
  const ort = await ortSession(bytes);
  const [input] = ours.inputNames;
  const [output] = ours.outputNames;
  const batch = 100;
  for (let start = 0; start < images; start += batch) {
    const x = batchOf(testSet, start, Math.min(batch, images - start));
    const a = (await ours.run({ [input]: x }))[output].data;
    const b = (await ort.run({ [input]: x }))[output].data;
    visit(start, a, b);
  }
  await ort.release();
  ours.dispose();
}

for (const m of manifest.models) {
  test(`${m.name}: fp32 logits match onnxruntime-web within 1e-4 on 100 test images`, async () => {
    let maxDiff = 0;
    await compare(m.files.fp32, 100, (start, a, b) => {
      for (let k = 0; k < a.length; k++) maxDiff = Math.max(maxDiff, Math.abs(a[k] - b[k]));
    });
    console.log(`${m.name} fp32: max |ours - onnxruntime| = ${maxDiff}`);
    assert.ok(maxDiff <= 1e-4, String(maxDiff));
  });

  test(`${m.name}: torch's QDQ int8 export agrees with onnxruntime-web on the 10k test images`, async () => {
    let agree = 0;
    let oursRight = 0;
    let ortRight = 0;
    await compare(m.files.int8_qdq, testSet.count, (start, a, b) => {
      for (let i = 0; i < a.length / 10; i++) {
        const pa = argmax(a, i * 10, 10);
        const pb = argmax(b, i * 10, 10);
        const label = testSet.labels[start + i];
        agree += pa === pb;
        oursRight += pa === label;
        ortRight += pb === label;
      }
    });
    const n = testSet.count;
    console.log(`${m.name} int8 (torch QDQ): top-1 ours ${oursRight / n}, onnxruntime ${ortRight / n}, agreement ${agree / n}`);
    assert.ok(agree / n >= 0.995, `agreement ${agree / n}`);
    assert.ok(Math.abs(oursRight - ortRight) / n <= 0.002, `accuracy ${oursRight / n} vs ${ortRight / n}`);
  });
}
