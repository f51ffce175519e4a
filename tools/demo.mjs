// `npm run demo`: installs what is missing (as root), builds the wasm module if needed and serves the
// demo page. PORT=NNNN (or --port NNNN) picks the port; the next free one is used if it is taken.
import { buildWasm, ensureSystem, log, ROOT } from './lib/toolchain.mjs';
import { startServer } from './lib/server.mjs';

const argPort = process.argv.indexOf('--port');
let port = Number(argPort > 0 ? process.argv[argPort + 1] : process.env.PORT ?? 8080);

try {
  ensureSystem(['build']);
  buildWasm({ moduleOnly: true });
} catch (e) {
  console.error(`[wasm-int8] demo build failed: ${e.message}`);
  process.exit(1);
}

for (let attempt = 0; ; ++attempt) {
  try {
    const { url } = await startServer({ root: ROOT, port });
    log(`demo running at ${url}/demo/  (Ctrl+C to stop)`);
    break;
  } catch (e) {
    if (e.code !== 'EADDRINUSE' || attempt >= 20) {
      console.error(`[wasm-int8] could not serve on port ${port}: ${e.message}`);
      process.exit(1);
    }
    port += 1;
  }
}
