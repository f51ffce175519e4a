// `npm run lint`: checks C++ formatting with clang-format (.clang-format) and JS syntax with node --check.
// `npm run format` (--fix) rewrites the C++ files in place.
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ensureSystem, ROOT, run } from './lib/toolchain.mjs';

function walk(dir, exts, out = []) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, exts, out);
    else if (exts.some((x) => e.name.endsWith(x))) out.push(p);
  }
  return out;
}

export function lint({ fix = false } = {}) {
  ensureSystem(['lint']);
  const cpp = ['src', 'bindings', 'tests/cpp'].flatMap((d) => walk(join(ROOT, d), ['.h', '.cc']));
  const args = fix ? ['-i', ...cpp] : ['--dry-run', '--Werror', ...cpp];
  run('clang-format', args, { quiet: true });
  const js = ['web', 'tools', 'tests/js', 'tests/browser', 'demo', 'bench'].flatMap((d) =>
    walk(join(ROOT, d), ['.js', '.mjs']),
  );
  for (const f of js) run(process.execPath, ['--check', f], { quiet: true });
  return { cpp: cpp.length, js: js.length, files: cpp.map((f) => relative(ROOT, f)) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    const r = lint({ fix: process.argv.includes('--fix') });
    console.log(`[wasm-int8] lint: ${r.cpp} C++ files formatted, ${r.js} JS files parse`);
  } catch (e) {
    console.error(`[wasm-int8] lint failed: ${e.message}\n  run \`npm run format\` to fix C++ formatting`);
    process.exit(1);
  }
}
