// Demo page: loads wasm-int8 in the browser, reports SIMD support and runs one int8 FC layer.
import { chooseQuantParams, FullyConnected, init, quantize, simdSupported } from '../web/index.js';

const $ = (id) => document.getElementById(id);

// Deterministic pseudo-random numbers, so every visitor sees the same layer.
function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function floatFc(x, w, b, K, N) {
  const y = new Float32Array(N);
  for (let n = 0; n < N; ++n) {
    let acc = b[n];
    for (let k = 0; k < K; ++k) acc += x[k] * w[n * K + k];
    y[n] = Math.max(0, acc);
  }
  return y;
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

async function main() {
  const simd = simdSupported();
  $('simd').textContent = `SIMD: ${simd ? 'yes' : 'no'}`;
  $('simd').className = simd ? 'ok' : 'error';
  $('isolated').textContent = `Cross-origin isolated: ${globalThis.crossOriginIsolated ? 'yes' : 'no'}`;

  await init();
  const K = 256, N = 10;
  const r = rng(42);
  const w = Float32Array.from({ length: N * K }, () => (r() - 0.5) * 0.2);
  const b = Float32Array.from({ length: N }, () => (r() - 0.5) * 0.5);
  const x = Float32Array.from({ length: K }, () => r() * 2 - 0.5);
  const yFloat = floatFc(x, w, b, K, N);

  const input = chooseQuantParams(Math.min(...x), Math.max(...x));
  const output = chooseQuantParams(0, Math.max(...yFloat));
  const fc = FullyConnected.fromFloat({ weights: w, bias: b, inFeatures: K, outFeatures: N, input, output, activation: 'relu' });
  const xq = quantize(x, input);
  const q = fc.run(xq);
  const yInt8 = fc.runFloat(x);

  const times = [];
  for (let i = 0; i < 200; ++i) {
    const t0 = performance.now();
    fc.run(xq);
    times.push(performance.now() - t0);
  }
  fc.dispose();

  const tbody = $('fc-table').querySelector('tbody');
  let maxErr = 0;
  for (let n = 0; n < N; ++n) {
    maxErr = Math.max(maxErr, Math.abs(yFloat[n] - yInt8[n]));
    const tr = document.createElement('tr');
    for (const v of [n, yFloat[n].toFixed(4), yInt8[n].toFixed(4), q[n]]) {
      const td = document.createElement('td');
      td.textContent = String(v);
      tr.append(td);
    }
    tbody.append(tr);
  }
  $('fc-table').hidden = false;
  $('status').textContent = `output scale ${output.scale.toPrecision(3)}, zero point ${output.zeroPoint}`;
  $('fc-result').textContent =
    `int8 FC result: max |int8 - float| = ${maxErr.toFixed(4)} (${(maxErr / output.scale).toFixed(2)} output steps); ` +
    `median run ${(median(times) * 1000).toFixed(1)} µs`;
}

main().catch((e) => {
  $('status').textContent = `Error: ${e.message}`;
  $('status').className = 'error';
  console.error(e);
});
