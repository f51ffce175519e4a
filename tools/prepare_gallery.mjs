// Writes the demo's data, from Debian's dataset-fashion-mnist:
// - demo/data/fmnist_gallery.bin: 300 test images (the first 30 of each class, in test-set order),
//   784 bytes each, then their 300 labels (one byte each): the gallery and "evaluate";
// - demo/data/fmnist_calibration.bin: the first 200 training images (784 bytes each): what the page
//   quantizes with (never test images).
//   node tools/prepare_gallery.mjs
import { writeFileSync } from 'node:fs';
import { loadFashionMnist } from '../tests/js/fmnist.mjs';
import { ensureSystem, log } from './lib/toolchain.mjs';

ensureSystem(['testdata']);
const PER_CLASS = 30;
const set = loadFashionMnist('t10k');
const picked = [];
const counts = new Array(10).fill(0);
for (let i = 0; i < set.count && picked.length < 10 * PER_CLASS; i++) {
  const label = set.labels[i];
  if (counts[label] < PER_CLASS) {
    counts[label] += 1;
    picked.push(i);
  }
}
const out = new Uint8Array(picked.length * 785);
picked.forEach((i, k) => {
  out.set(set.images.subarray(i * 784, (i + 1) * 784), k * 784);
  out[picked.length * 784 + k] = set.labels[i];
});
const path = new URL('../demo/data/fmnist_gallery.bin', import.meta.url);
writeFileSync(path, out);
log(`wrote ${path.pathname}: ${picked.length} images (${PER_CLASS} per class), ${out.length} bytes`);
const train = loadFashionMnist('train');
const calibration = new URL('../demo/data/fmnist_calibration.bin', import.meta.url);
writeFileSync(calibration, train.images.subarray(0, 200 * 784));
log(`wrote ${calibration.pathname}: 200 training images`);
