/**
 * @module Validation of config bodies on upload, by content type. YAML and JSON must parse; a
 * body shaped like an OpenTelemetry Collector config must also be wired correctly
 * (otel-collector.ts); Fluent Bit classic `.conf` (text/plain) must have sane section syntax
 * (fluent-bit.ts). Every problem carries the parser's message and a 1-based line (and column when
 * known) so the uploader can fix it.
 */
import type { Document, LineCounter } from 'yaml';
import { yaml } from './yaml-lib.js';
import { checkFluentBitClassic } from './fluent-bit.js';
import { scanFluentBitSecrets, scanTokens, scanYamlSecrets } from './secrets-scan.js';
import { checkCollectorConfig, isCollectorShaped } from './otel-collector.js';

export const CONTENT_TYPES = ['text/yaml', 'application/json', 'text/plain'] as const;
export type ContentType = (typeof CONTENT_TYPES)[number];

/** What a body is, as far as ampgate understands it. */
export type ConfigFlavor = 'otel-collector' | 'yaml' | 'json' | 'fluent-bit';

export interface ConfigProblem {
  readonly message: string;
  /** 1-based; undefined when the problem is not tied to a place. */
  readonly line?: number;
  readonly column?: number;
}

export type ValidationResult = { readonly ok: true; readonly flavor: ConfigFlavor } | { readonly ok: false; readonly problems: readonly ConfigProblem[] };

/** Accepts common aliases (application/yaml, text/x-yaml, application/x-yaml). */
export function normalizeContentType(input: string): ContentType | undefined {
  const t = input.split(';')[0]!.trim().toLowerCase();
  if (t === 'text/yaml' || t === 'application/yaml' || t === 'text/x-yaml' || t === 'application/x-yaml') return 'text/yaml';
  if (t === 'application/json' || t === 'text/json') return 'application/json';
  if (t === 'text/plain') return 'text/plain';
  return undefined;
}

/** A YAML document with its line counter, so later checks can point at nodes. */
export interface ParsedYaml {
  readonly doc: Document.Parsed;
  readonly lines: LineCounter;
}

export function parseYaml(body: string): { parsed: ParsedYaml } | { problems: ConfigProblem[] } {
  const lines = new (yaml().LineCounter)();
  const doc = yaml().parseDocument(body, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length === 0) return { parsed: { doc, lines } };
  return {
    problems: doc.errors.map((e) => {
      const pos = lines.linePos(e.pos[0]);
      return { message: `YAML: ${e.message}`, line: pos.line, column: pos.col };
    }),
  };
}

/** JSON.parse with the position in its message turned into a line and column. */
function parseJson(body: string): { value: unknown } | { problems: ConfigProblem[] } {
  try {
    return { value: JSON.parse(body) as unknown };
  } catch (err) {
    const message = (err as Error).message;
    const m = /position (\d+)/.exec(message);
    if (!m) return { problems: [{ message: `JSON: ${message}`, ...(body.trim() === '' ? { line: 1, column: 1 } : {}) }] };
    const offset = Number(m[1]);
    const before = body.slice(0, offset);
    const line = before.split('\n').length;
    const column = offset - before.lastIndexOf('\n');
    return { problems: [{ message: `JSON: ${message.replace(/ \(line \d+ column \d+\)$/, '')}`, line, column }] };
  }
}

export function validateConfig(contentType: ContentType, body: string): ValidationResult {
  if (body.trim() === '') return { ok: false, problems: [{ message: 'the config body is empty', line: 1 }] };
  if (body.includes('\u0000')) return { ok: false, problems: [{ message: 'the config body contains NUL bytes; only text configs are supported' }] };
  const tokens = scanTokens(body);
  if (tokens.length > 0) return { ok: false, problems: tokens };
  switch (contentType) {
    case 'text/yaml':
      return validateStructured(body, 'yaml');
    case 'application/json':
      return validateStructured(body, 'json');
    case 'text/plain': {
      const problems = [...checkFluentBitClassic(body), ...scanFluentBitSecrets(body)];
      return problems.length > 0 ? { ok: false, problems } : { ok: true, flavor: 'fluent-bit' };
    }
  }
}

function validateStructured(body: string, kind: 'yaml' | 'json'): ValidationResult {
  if (kind === 'json') {
    const r = parseJson(body);
    if ('problems' in r) return { ok: false, problems: r.problems };
  }
  // JSON is YAML 1.2, so the YAML parser gives node positions for the semantic checks of both.
  const y = parseYaml(body);
  if ('problems' in y) return { ok: false, problems: y.problems };
  const root = y.parsed.doc.contents;
  const collector = yaml().isMap(root) && isCollectorShaped(y.parsed.doc.toJS() as unknown);
  const problems = [...(collector ? checkCollectorConfig(y.parsed) : []), ...scanYamlSecrets(y.parsed)];
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, flavor: collector ? 'otel-collector' : kind };
}

/**
 * What a body looks like, without judging it: used for agents' effective configs (which carry
 * whatever content type, or none, the agent reports, and may contain parts a Supervisor added).
 */
export function flavorOf(contentType: string, body: string): ConfigFlavor | undefined {
  const ct = normalizeContentType(contentType);
  if (ct !== 'text/plain') {
    const y = parseYaml(body);
    if ('parsed' in y) {
      const v = y.parsed.doc.toJS() as unknown;
      if (isCollectorShaped(v)) return 'otel-collector';
      if (ct !== undefined && yaml().isMap(y.parsed.doc.contents)) return ct === 'application/json' ? 'json' : 'yaml';
    }
  }
  if (ct === 'text/plain' || ct === undefined) {
    if (/^\[(SERVICE|INPUT|OUTPUT|FILTER)\]\s*$/im.test(body)) return 'fluent-bit';
  }
  return undefined;
}
