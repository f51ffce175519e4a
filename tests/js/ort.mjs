// onnxruntime-web (wasm EP, one thread) in Node, for tests that compare whole models with it.
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as ort from 'onnxruntime-web';

const require = createRequire(import.meta.url);
ort.env.wasm.wasmPaths = pathToFileURL(`${dirname(require.resolve('onnxruntime-web'))}/`).href;
ort.env.wasm.numThreads = 1;

/** An ORT session on model bytes; run(feeds {name: {data, shape}}) -> {name: {data, shape}}. */
export async function ortSession(bytes) {
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
  return {
    async run(feeds) {
      const f = {};
      for (const [name, t] of Object.entries(feeds)) {
        f[name] = new ort.Tensor(t.data instanceof Float32Array ? 'float32' : 'int8', t.data, t.shape);
      }
      const out = await session.run(f);
      const r = {};
      for (const [name, t] of Object.entries(out)) r[name] = { data: t.data, shape: [...t.dims] };
      return r;
    },
    release: () => session.release(),
  };
}
