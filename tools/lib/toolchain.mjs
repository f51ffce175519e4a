// Set-up and build steps shared by `npm test`, `npm run build` and `npm run demo`.
//
// ensureSystem() checks for the Debian packages the project builds with and installs the missing ones
// when running as root (or prints the exact command otherwise); ensureNodeModules() runs `npm ci`.
// buildNative() / buildWasm() configure once and then build incrementally.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BUILD_NATIVE = join(ROOT, 'build', 'native');
export const BUILD_WASM = join(ROOT, 'build', 'wasm');
export const BUILD_WASM_THREADS = join(ROOT, 'build', 'wasm-threads');
export const BUILD_SANITIZE = join(ROOT, 'build', 'sanitize');
export const DIST = join(ROOT, 'dist');

// emcc's JS optimizer needs acorn from Debian's node-acorn, which the machine's node does not look for.
export const EM_ENV = { ...process.env, NODE_PATH: '/usr/share/nodejs' };

// What each requirement is checked by, and the Debian package that provides it.
const REQUIREMENTS = {
  build: [
    { pkg: 'cmake', file: '/usr/bin/cmake' },
    { pkg: 'ninja-build', file: '/usr/bin/ninja' },
    { pkg: 'g++', file: '/usr/bin/g++' },
    { pkg: 'googletest', file: '/usr/src/googletest/CMakeLists.txt' },
    { pkg: 'emscripten', file: '/usr/bin/emcc' },
    { pkg: 'binaryen', file: '/usr/bin/wasm-dis' },
  ],
  lint: [{ pkg: 'clang-format', file: '/usr/bin/clang-format' }],
  browser: [{ pkg: 'chromium', file: '/usr/bin/chromium' }],
  // clang with libFuzzer and the sanitizer runtimes, for `npm run fuzz`.
  fuzz: [
    { pkg: 'clang', file: '/usr/bin/clang++' },
    { pkg: 'libclang-rt-14-dev', file: '/usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.fuzzer-x86_64.a' },
  ],
  // The ONNX node test suite (models and tensors) the conformance tests run, and Fashion-MNIST, the
  // real images the shipped models are tested on.
  testdata: [
    { pkg: 'libonnx-testdata', file: '/usr/share/libonnx-testdata/data/node' },
    { pkg: 'dataset-fashion-mnist', file: '/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz' },
  ],
};

export function log(msg) {
  process.stdout.write(`[wasm-int8] ${msg}\n`);
}

export function run(cmd, args, { env = process.env, cwd = ROOT, quiet = false } = {}) {
  if (!quiet) log(`$ ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { cwd, env, stdio: quiet ? 'pipe' : 'inherit', encoding: 'utf8' });
  if (r.error) throw new Error(`${cmd} could not be started: ${r.error.message}`);
  if (r.status !== 0) {
    if (quiet) process.stdout.write((r.stdout ?? '') + (r.stderr ?? ''));
    throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status}`);
  }
  return r;
}

/** Installs (as root) or names (otherwise) the Debian packages missing for the given needs. */
export function ensureSystem(needs) {
  const missing = [];
  for (const need of needs) {
    for (const { pkg, file } of REQUIREMENTS[need]) {
      if (!existsSync(file) && !missing.includes(pkg)) missing.push(pkg);
    }
  }
  if (missing.length === 0) return;
  const install = `apt-get install -y --no-install-recommends ${missing.join(' ')}`;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot) {
    throw new Error(
      `missing Debian packages: ${missing.join(', ')}. Install them with:\n` +
        `  sudo apt-get update && sudo ${install}`,
    );
  }
  log(`installing missing Debian packages: ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  run('apt-get', ['update', '-qq'], { env });
  run('apt-get', install.split(' ').slice(1).concat(['-qq']), { env });
}

/** `npm ci` when node_modules is missing or older than package-lock.json. */
export function ensureNodeModules() {
  const lock = join(ROOT, 'package-lock.json');
  const marker = join(ROOT, 'node_modules', '.package-lock.json');
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs) return;
  run('npm', ['ci', '--no-audit', '--no-fund']);
}

function configure(dir, args, env) {
  if (existsSync(join(dir, 'CMakeCache.txt'))) return;
  run(args[0], args.slice(1), { env });
}

export function buildNative() {
  configure(BUILD_NATIVE, ['cmake', '-S', ROOT, '-B', BUILD_NATIVE, '-G', 'Ninja', '-DWI8_WERROR=ON']);
  run('cmake', ['--build', BUILD_NATIVE]);
}

/** The native build with AddressSanitizer + UndefinedBehaviorSanitizer (any report fails a test). */
export function buildSanitized() {
  const flags = '-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -O1 -g';
  configure(BUILD_SANITIZE, ['cmake', '-S', ROOT, '-B', BUILD_SANITIZE, '-G', 'Ninja', '-DWI8_WERROR=ON',
    '-DCMAKE_BUILD_TYPE=Debug', `-DCMAKE_CXX_FLAGS=${flags}`]);
  run('cmake', ['--build', BUILD_SANITIZE]);
}

/**
 * Builds the wasm module (and, unless moduleOnly, the wasm tests) and copies the module into dist/.
 */
// The two builds of the module: single-threaded (and the wasm test suite), and the pthreads
// variant (build/wasm-threads, module only). dist/package.json marks dist's .js files (the
// threaded build's classic worker script) as CommonJS for Node: the package itself is "module".
export function buildWasm({ moduleOnly = false } = {}) {
  for (const [dir, threads] of [[BUILD_WASM, false], [BUILD_WASM_THREADS, true]]) {
    configure(
      dir,
      ['emcmake', 'cmake', '-S', ROOT, '-B', dir, '-G', 'Ninja', '-DWI8_WERROR=ON',
        ...(threads ? ['-DWI8_THREADS=ON', '-DWI8_BUILD_TESTS=OFF'] : []),
        // emcmake's default emulator passes --experimental-wasm-threads, which Node 20 rejects.
        `-DCMAKE_CROSSCOMPILING_EMULATOR=${process.execPath}`],
      EM_ENV,
    );
    run('cmake', ['--build', dir, ...(moduleOnly || threads ? ['--target', 'wasm_int8'] : [])], { env: EM_ENV });
  }
  mkdirSync(DIST, { recursive: true });
  for (const f of ['wasm_int8.mjs', 'wasm_int8.wasm']) copyFileSync(join(BUILD_WASM, f), join(DIST, f));
  for (const f of ['wasm_int8_threads.mjs', 'wasm_int8_threads.wasm', 'wasm_int8_threads.worker.js']) {
    copyFileSync(join(BUILD_WASM_THREADS, f), join(DIST, f));
  }
  writeFileSync(join(DIST, 'package.json'), '{\n  "type": "commonjs"\n}\n');
}
