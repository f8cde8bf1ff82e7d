/**
 * @module Unified text diffs between config maps: two catalog versions, or an agent's effective
 * config against a version. Multi-file maps are compared file by file (sorted by name), so a
 * one-line change shows as one hunk, not as a rewritten document.
 */
import { createRequire } from 'node:module';
import type * as Diff from 'diff';
import { sortedNames, type ConfigFiles } from './hash.js';
import { redactConfigText } from './redact.js';

export interface DiffOptions {
  /** Lines of context around each change. Default 3. */
  readonly context?: number;
  /** Longest diff returned, in lines; the rest is cut with a note. Default 400. */
  readonly maxLines?: number;
}

const EMPTY: ConfigFiles = {};

let diffModule: typeof Diff | undefined;
/** The `diff` package, loaded on the first diff (previews), not at start-up. */
const diffLib = (): typeof Diff => (diffModule ??= createRequire(import.meta.url)('diff') as typeof Diff);

function withNewline(s: string): string {
  return s === '' || s.endsWith('\n') ? s : `${s}\n`;
}

function label(base: string, name: string, files: ConfigFiles): string {
  if (!(name in files)) return '/dev/null';
  return name === '' ? base : `${base}/${name}`;
}

/**
 * Unified diff from `before` to `after`. Returns '' when they are identical. When both sides have
 * exactly one file, the file names are ignored (an agent may report the config under its own file
 * name, e.g. collector.yaml, while ampgate sends it under "").
 */
export function diffConfigs(beforeLabel: string, before: ConfigFiles | undefined, afterLabel: string, after: ConfigFiles, opts: DiffOptions = {}): string {
  const old = before ?? EMPTY;
  const context = opts.context ?? 3;
  const oldNames = sortedNames(old);
  const newNames = sortedNames(after);
  const parts: string[] = [];
  if (oldNames.length <= 1 && newNames.length === 1) {
    const oldBody = oldNames.length === 1 ? old[oldNames[0]!]!.body : '';
    const p = patch(oldNames.length === 1 ? beforeLabel : '/dev/null', afterLabel, oldBody, after[newNames[0]!]!.body, context);
    if (p) parts.push(p);
  } else {
    for (const name of [...new Set([...oldNames, ...newNames])].sort()) {
      const p = patch(label(beforeLabel, name, old), label(afterLabel, name, after), old[name]?.body ?? '', after[name]?.body ?? '', context);
      if (p) parts.push(p);
    }
  }
  return truncate(parts.join(''), opts.maxLines ?? 400);
}

function patch(oldName: string, newName: string, oldText: string, newText: string, context: number): string {
  if (oldText === newText) return '';
  // Diffs go to approval cards, Slack and MCP; an agent's effective config may carry credentials
  // (catalog versions cannot: they are refused on upload), so both sides are redacted first.
  const p = diffLib().createTwoFilesPatch(
    oldName,
    newName,
    withNewline(redactConfigText(oldText)),
    withNewline(redactConfigText(newText)),
    undefined,
    undefined,
    {
      context,
    },
  );
  // Drop the "Index:"/"====" preamble createTwoFilesPatch emits; start at the --- line.
  return p.slice(p.indexOf('--- '));
}

function truncate(text: string, maxLines: number): string {
  const lines = text.split('\n');
  if (lines.length <= maxLines + 1) return text;
  return `${lines.slice(0, maxLines).join('\n')}\n... (${lines.length - maxLines - 1} more diff lines not shown)\n`;
}
