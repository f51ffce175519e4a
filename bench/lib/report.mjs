// Formatting for the benchmark report: the machine line (Node only), and, re-exported from
// bench/lib/format.mjs, statistics and fixed-width text tables.

import { readFileSync } from 'node:fs';
import os from 'node:os';

export * from './format.mjs';

/** "CPU model, N cores, Node vX, YYYY-MM-DD" (CPU model from /proc/cpuinfo where there is one). */
export function machineDescription(date = new Date()) {
  let cpu = null;
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) cpu = m[1].trim();
  } catch {
    // not Linux: fall back to what Node reports
  }
  cpu ??= os.cpus()[0]?.model ?? 'unknown CPU';
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  return `${cpu}, ${cores} cores, Node ${process.version}, ${os.platform()} ${os.arch()}, ${date.toISOString().slice(0, 10)}`;
}
