// `npm run build`: installs what is missing (as root), builds native + wasm, fills dist/.
// `npm run build -- --wasm` builds only the wasm module (what the package and the demo need).
import { buildNative, buildWasm, ensureSystem, log } from './lib/toolchain.mjs';

try {
  const wasmOnly = process.argv.includes('--wasm');
  ensureSystem(['build']);
  if (!wasmOnly) buildNative();
  buildWasm({ moduleOnly: wasmOnly });
  log("build done: dist/ (wasm_int8.{mjs,wasm}; threaded: wasm_int8_threads.{mjs,wasm,worker.js})");
} catch (e) {
  console.error(`[wasm-int8] build failed: ${e.message}`);
  process.exit(1);
}
