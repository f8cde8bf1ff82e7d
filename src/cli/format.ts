/**
 * @module Plain-text tables for CLI output. Every cell is one line: control characters (and line
 * breaks) in it become visible escapes, so a value an agent reported cannot forge rows or move the
 * cursor.
 */
import { inline } from '../safe-text.js';

export function table(headers: readonly string[], rawRows: ReadonlyArray<ReadonlyArray<string>>): string {
  const rows = rawRows.map((r) => r.map((c) => inline(c ?? '')));
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: ReadonlyArray<string>) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

/** "12s ago", "3m ago", "2h ago", "4d ago". */
export function ago(iso: string, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.round(s / 60)}m ago`;
  if (s < 86400) return `${Math.round(s / 3600)}h ago`;
  return `${Math.round(s / 86400)}d ago`;
}
