// The environment-neutral part of the benchmark report (statistics, number formats, fixed-width
// text tables): no Node imports, so benchmark pages in a browser use it too. bench/lib/report.mjs
// re-exports all of it.

export function median(values) {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export const DASH = '—';

/** ms with 3 significant-ish digits: 0.0123, 0.123, 1.23, 12.3, 123. */
export function formatMs(ms) {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return DASH;
  if (ms >= 100) return ms.toFixed(0);
  if (ms >= 10) return ms.toFixed(1);
  if (ms >= 1) return ms.toFixed(2);
  if (ms >= 0.1) return ms.toFixed(3);
  return ms.toFixed(4);
}

export function formatRatio(r) {
  return r === null || !Number.isFinite(r) ? DASH : `${r.toFixed(2)}x`;
}

export function formatMacs(macs) {
  if (macs >= 1e9) return `${(macs / 1e9).toFixed(2)}G`;
  if (macs >= 1e6) return `${(macs / 1e6).toFixed(1)}M`;
  return `${(macs / 1e3).toFixed(0)}k`;
}

/** a / b, or null if either is missing. */
export function ratio(a, b) {
  return a === null || b === null || a === undefined || b === undefined || !(b > 0) ? null : a / b;
}

/** GOP/s at 2 ops (multiply, add) per MAC. */
export function gops(macs, ms) {
  return ms === null || ms === undefined || !(ms > 0) ? null : (2 * macs) / (ms * 1e6);
}

/**
 * A fixed-width table: `columns` is [{ title, width, align: 'left' | 'right' }]; rows are arrays of
 * strings. header() and row() return one line each, so rows can be printed as they are measured.
 */
export function textTable(columns) {
  const cell = (text, { width, align }) => (align === 'left' ? text.padEnd(width) : text.padStart(width));
  return {
    header: () => columns.map((c) => cell(c.title, c)).join('  ').trimEnd(),
    rule: () => columns.map((c) => '-'.repeat(c.width)).join('  '),
    row: (cells) => cells.map((t, i) => cell(t, columns[i])).join('  ').trimEnd(),
  };
}
