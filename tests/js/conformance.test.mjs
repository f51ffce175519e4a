// ONNX conformance through the JavaScript API: every node test of Debian's libonnx-testdata listed
// in tests/conformance/node_tests.txt is loaded with loadModel() (inputs marked frozen= given as
// `constants`), run with run(), and compared with the suite's expected outputs: floats within
// 1e-4 (absolute, relative above 1), integers exactly. Prints "N/M node tests passed".
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { before, test } from 'node:test';
import { init, inspectModel, loadModel, readTensorProto } from '../../web/index.js';

const ROOT = '/usr/share/libonnx-testdata/data/node/';
const LIST = new URL('../conformance/node_tests.txt', import.meta.url);

before(() => init());

function supportedTests() {
  return readFileSync(LIST, 'utf8')
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const [name, ...rest] = l.split(' ');
      const fr = rest.find((r) => r.startsWith('frozen='));
      return { name, frozen: fr ? fr.slice(7).split(',').map(Number) : [] };
    });
}

function compare(got, want, where) {
  assert.deepEqual(got.shape, want.shape, `${where}: shape`);
  assert.equal(got.dtype, want.dtype, `${where}: dtype`);
  if (got.dtype === 'float32') {
    for (let k = 0; k < want.data.length; k++) {
      const a = got.data[k];
      const b = want.data[k];
      if (Number.isNaN(a) && Number.isNaN(b)) continue;
      if (!(Math.abs(a - b) <= 1e-4 * Math.max(1, Math.abs(b)))) {
        assert.fail(`${where}[${k}] = ${a}, expected ${b}`);
      }
    }
  } else {
    assert.deepEqual(got.data, want.data, where);
  }
}

async function runNodeTest({ name, frozen }) {
  const dir = `${ROOT}${name}/`;
  const bytes = readFileSync(`${dir}model.onnx`);
  const declared = inspectModel(bytes);
  const files = readdirSync(`${dir}test_data_set_0`);
  const inputs = declared.inputs.map((_, i) => readTensorProto(readFileSync(`${dir}test_data_set_0/input_${i}.pb`)));
  const constants = {};
  for (const i of frozen) constants[declared.inputs[i].name] = inputs[i];
  const model = await loadModel(bytes, { constants });
  try {
    const feeds = {};
    declared.inputs.forEach((d, i) => {
      if (!frozen.includes(i)) feeds[d.name] = inputs[i];
    });
    const out = await model.run(feeds);
    const outputs = files.filter((f) => f.startsWith('output_')).length;
    assert.equal(model.outputNames.length, outputs, 'output count');
    model.outputNames.forEach((o, k) => {
      compare(out[o], readTensorProto(readFileSync(`${dir}test_data_set_0/output_${k}.pb`)), `${name} output ${o}`);
    });
  } finally {
    model.dispose();
  }
}

test('the supported ONNX node tests pass through loadModel() and run()', async () => {
  const tests = supportedTests();
  assert.ok(tests.length > 100, `${tests.length} tests listed`);
  const failures = [];
  for (const t of tests) {
    try {
      await runNodeTest(t);
    } catch (e) {
      failures.push(`${t.name}: ${e.message}`);
    }
  }
  console.log(`${tests.length - failures.length}/${tests.length} node tests passed`);
  assert.deepEqual(failures, []);
});
