// The whole-model benchmark in the page: bench/lib/model_bench.mjs on the models named in the query
// (?models=a,b&runs=N&warmup=N&threads=N). Progress and results go to window.__bench, which
// bench/browser.mjs polls: {status, info, cases: [{name, ms, check}], warnings, done, error};
// the same table is drawn in the page for a person looking at it.
import { FMNIST_FILES, MODELS, benchCase, checkLine, columnsFor, fmnistCalibration, fmnistCase, mobilenetCase, modelTable, setupEngines } from '../lib/model_bench.mjs';

const state = { status: 'starting', info: null, cases: [], warnings: [], done: false, error: null };
window.__bench = state;

const $ = (id) => document.getElementById(id);
const setStatus = (text) => {
  state.status = text;
  $('status').textContent = text;
};
const warn = (text) => {
  state.warnings.push(text);
  $('warnings').textContent = state.warnings.map((w) => `warning: ${w}`).join('\n');
};
window.addEventListener('error', (e) => warn(`page error: ${e.message}`));
window.addEventListener('unhandledrejection', (e) => warn(`unhandled rejection: ${e.reason?.message ?? e.reason}`));

const params = new URLSearchParams(location.search);
const int = (key, fallback) => {
  const v = Number(params.get(key) ?? fallback);
  if (!Number.isInteger(v) || v < 0) throw new Error(`?${key}= must be a non-negative integer, got ${params.get(key)}`);
  return v;
};

async function fetchBytes(path) {
  const res = await fetch(path);
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

async function main() {
  const runs = int('runs', 30);
  const warmup = int('warmup', 5);
  const threads = Math.max(1, int('threads', 1));
  const models = (params.get('models') ?? MODELS.join(',')).split(',').filter(Boolean);
  for (const m of models) if (!MODELS.includes(m)) throw new Error(`unknown model ${m} (models: ${MODELS.join(', ')})`);
  const columns = columnsFor(threads);

  setStatus('loading engines');
  const nodeModules = new URL('/node_modules/', location.href);
  const setup = await setupEngines({
    threads,
    ortWasmPaths: new URL('onnxruntime-web/dist/', nodeModules).href,
    tfjsWasmPaths: new URL('@tensorflow/tfjs-backend-wasm/dist/', nodeModules).href,
  });
  setup.warnings.forEach(warn);
  state.info = {
    userAgent: navigator.userAgent,
    hardwareConcurrency: navigator.hardwareConcurrency,
    crossOriginIsolated: globalThis.crossOriginIsolated === true,
    runtime: setup.ours,
    versions: setup.versions,
    runs, warmup, threads, columns,
  };
  $('info').textContent = `runtime(): ${JSON.stringify(setup.ours)}; cross-origin isolated: ${state.info.crossOriginIsolated}; ${navigator.userAgent}`;

  const table = modelTable(columns, { runs, warmup });
  const lines = [table.title, table.header(), table.rule()];
  $('table').textContent = lines.join('\n');
  let calibration = null;
  for (const name of models) {
    setStatus(`${name}: preparing`);
    let c;
    if (name === 'mobilenetv2_224') {
      c = mobilenetCase();
    } else {
      calibration ??= fmnistCalibration(await fetchBytes('/demo/data/fmnist_calibration.bin'));
      c = fmnistCase(name, await fetchBytes(`/demo/models/${FMNIST_FILES[name]}`), calibration);
    }
    const r = await benchCase(c, { columns, runs, warmup, tfjs: setup.tfjs, warn, onStatus: setStatus });
    state.cases.push({ name: r.name, ms: r.ms, check: r.check });
    lines.push(table.row(r));
    $('table').textContent = [...lines, '', ...state.cases.map(checkLine)].join('\n');
  }
  setStatus('done');
}

main()
  .catch((e) => {
    state.error = e instanceof Error ? `${e.message}${e.stack ? `\n${e.stack}` : ''}` : String(e);
    setStatus(`error: ${e instanceof Error ? e.message : e}`);
  })
  .finally(() => {
    state.done = true;
  });
