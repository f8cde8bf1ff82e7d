#!/usr/bin/env node
// Fails when a tracked source line is longer than 160 characters (part of `npm run lint`). Biome's
// formatter wraps code at 160; this catches what it cannot wrap: long strings, templates, comments.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const MAX = 160;
const SOURCE = /\.(ts|mts|cts|js|mjs|cjs|css|html|json)$/;
const SKIP = /^(src\/gen\/|bench\/results\/|interop\/|docs\/)|(^|\/)vendor\/|package-lock\.json$/;

const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { encoding: 'utf8' })
  .split('\0')
  .filter((f) => f && SOURCE.test(f) && !SKIP.test(f));
const long = [];
for (const file of files) {
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    continue; // deleted in the work tree
  }
  text.split('\n').forEach((line, i) => {
    if (line.length > MAX) long.push(`${file}:${i + 1}: ${line.length} characters`);
  });
}
if (long.length > 0) {
  process.stderr.write(`${long.join('\n')}\n${long.length} line(s) over ${MAX} characters\n`);
  process.exit(1);
}
