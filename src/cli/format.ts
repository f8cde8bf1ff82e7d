/**
 * @module Plain-text tables for CLI output. Every cell is one line: control characters (and line
 * breaks) in it become visible escapes, so a value an agent reported cannot forge rows or move the
 * cursor.
 */
import { inline } from '../shared/safe-text.js';

/** A table with a header row; with no rows, `empty` (a friendly line) instead of a bare header. */
export function table(headers: readonly string[], rawRows: ReadonlyArray<ReadonlyArray<string>>, empty: string): string {
  if (rawRows.length === 0) return empty;
  const rows = rawRows.map((r) => r.map((c) => inline(c ?? '')));
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: ReadonlyArray<string>) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

/** "12s", "3m", "2h", "4d": a duration in the largest unit that fits. */
function span(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.round(s / 60)}m`;
  if (s < 86400) return `${Math.round(s / 3600)}h`;
  return `${Math.round(s / 86400)}d`;
}

/** "12s ago", "3m ago", "2h ago", "4d ago". */
export function ago(iso: string, now = Date.now()): string {
  return `${span(now - Date.parse(iso))} ago`;
}

/** "in 12m" for a future time, "12m ago" for a past one. */
export function until(iso: string, now = Date.now()): string {
  const ms = Date.parse(iso) - now;
  return ms >= 0 ? `in ${span(ms)}` : ago(iso, now);
}
