/**
 * Statements in the README that code decides: the body of POST /api/configs (README and
 * docs/fleet-actions.md both list it) and the supported Node versions.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CreateConfigBody } from '../../src/api/routes/configs.js';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

/** `{name, body, contentType?}` in a table row for `route`, as field names with `?` kept. */
function documentedBody(text: string, route: string): string[] {
  const row = text.split('\n').find((l) => l.startsWith(`| \`${route}\``));
  expect(row, `${route} row`).toBeDefined();
  return /`\{([^}]*)\}`/
    .exec(row!)![1]!
    .split(',')
    .map((f) => f.trim());
}

describe('README', () => {
  it('and docs/fleet-actions.md describe the body of POST /api/configs as the server reads it', () => {
    const shape = CreateConfigBody.shape;
    const fromCode = Object.entries(shape).map(([k, v]) => (v instanceof z.ZodOptional || v instanceof z.ZodDefault ? `${k}?` : k));
    expect(documentedBody(read('README.md'), 'POST /api/configs')).toEqual(fromCode);
    expect(documentedBody(read('docs/fleet-actions.md'), 'POST /api/configs')).toEqual(fromCode);
  });

  it('names the Node versions package.json asks for', () => {
    const engines = (JSON.parse(read('package.json')) as { engines: { node: string } }).engines.node;
    expect(engines).toBe('>=20.19');
    const readme = read('README.md');
    expect(readme).toContain('You need Node.js 20.19 or newer');
    expect(readme).toMatch(/## Node versions\n\n`package\.json` asks for Node\.js \*\*20\.19 or newer\*\*/);
  });
});
