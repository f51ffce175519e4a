// Fashion-MNIST from Debian's dataset-fashion-mnist (/usr/share/datasets/fashion-mnist, IDX gz).
// Images come as the shipped models take them: float32 x / 255, NCHW [N, 1, 28, 28].
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

export const FMNIST_DIR = '/usr/share/datasets/fashion-mnist';
export const CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

function idx(path, magic) {
  const b = gunzipSync(readFileSync(path));
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (view.getUint32(0) !== magic) throw new Error(`${path}: not an IDX file (magic ${view.getUint32(0)})`);
  return b;
}

/** {images: Uint8Array [count x 784], labels: Uint8Array [count], count} of 'train' or 't10k'. */
export function loadFashionMnist(split = 't10k') {
  const images = idx(`${FMNIST_DIR}/${split}-images-idx3-ubyte.gz`, 2051);
  const labels = idx(`${FMNIST_DIR}/${split}-labels-idx1-ubyte.gz`, 2049);
  const count = new DataView(labels.buffer, labels.byteOffset).getUint32(4);
  return { images: images.subarray(16, 16 + count * 784), labels: labels.subarray(8, 8 + count), count };
}

/** Images [start, start + n) as a float32 NCHW batch {data, shape}. */
export function batchOf(set, start, n) {
  const data = new Float32Array(n * 784);
  for (let k = 0; k < n * 784; k++) data[k] = set.images[start * 784 + k] / 255;
  return { data, shape: [n, 1, 28, 28] };
}

export function argmax(values, offset, length) {
  let best = 0;
  for (let k = 1; k < length; k++) if (values[offset + k] > values[offset + best]) best = k;
  return best;
}
