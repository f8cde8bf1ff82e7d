/**
 * @module Human wording for settings: unknown AMPGATE_* variables (a typo is otherwise silently
 * ignored) get a warning naming the closest valid variable, and invalid values get a sentence
 * that says what is expected instead of the validator's raw text.
 */
import type { z } from 'zod';
import { editDistance } from './shared/similar.js';

/** Variables ampgate reads that are not server settings: the CLI's and the test tooling's. */
const OTHER_VARIABLES: readonly string[] = [
  'AMPGATE_URL',
  'AMPGATE_TOKEN',
  // read by this repository's test suites and benchmarks, never by the server
  'AMPGATE_FUZZ_SEED',
  'AMPGATE_INTEROP_CACHE',
  'AMPGATE_CHROMIUM',
  'AMPGATE_SOAK_STORM_AGENTS',
  'AMPGATE_SOAK_STORM_ROUNDS',
  'AMPGATE_SOAK_CRASH_AGENTS',
];

const words = (name: string) =>
  name
    .replace(/^AMPGATE_/, '')
    .split('_')
    .filter(Boolean);

/**
 * The valid names `name` most likely stands for: a typo of one (small edit distance), or a
 * shortening that keeps its words (AMPGATE_LISTEN: the OPAMP and CONTROL listeners). `likely` is
 * false when the closest name is merely the least far.
 */
function closestVariables(name: string, known: readonly string[]): { names: string[]; likely: boolean } {
  const ws = words(name);
  const byDistance = [...known].map((k) => ({ k, d: editDistance(name, k) })).sort((a, b) => a.d - b.d || (a.k < b.k ? -1 : 1));
  const best = byDistance[0]!;
  if (best.d <= Math.max(2, Math.floor(name.replace(/^AMPGATE_/, '').length * 0.4))) return { names: [best.k], likely: true };
  const covering = byDistance.filter(({ k }) => ws.length > 0 && ws.every((w) => words(k).includes(w))).map(({ k }) => k);
  if (covering.length > 0) return { names: covering.slice(0, 3), likely: true };
  return { names: [best.k], likely: false };
}

/** One warning per AMPGATE_* variable in `env` that ampgate does not read (`settings`: ENV_NAMES' values). */
export function unknownSettingVariables(env: NodeJS.ProcessEnv, settings: readonly string[]): string[] {
  const known = [...settings, ...OTHER_VARIABLES];
  const warnings: string[] = [];
  for (const name of Object.keys(env).sort()) {
    if (!name.startsWith('AMPGATE_') || known.includes(name)) continue;
    const c = closestVariables(name, known);
    warnings.push(
      c.likely
        ? `${name} is not an ampgate setting and is ignored; did you mean ${c.names.join(' or ')}?`
        : `${name} is not an ampgate setting and is ignored (the closest is ${c.names[0]}; every setting is in .env.example)`,
    );
  }
  return warnings;
}

const show = (v: unknown) => (typeof v === 'string' ? JSON.stringify(v) : String(v));

/** What a value must look like, in words, for one failed check. */
function expectation(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_value':
      return `one of ${issue.values.map(String).join(', ')}`;
    case 'invalid_union':
      // Booleans are a union of true/false and their spellings.
      return 'true or false (1/0 and yes/no work too)';
    case 'too_small':
      if (issue.origin === 'string') return `at least ${String(issue.minimum)} characters`;
      return issue.origin === 'number' || issue.origin === 'int' ? `a whole number of at least ${String(issue.minimum)}` : issue.message;
    case 'too_big':
      return `a whole number of at most ${String(issue.maximum)}`;
    case 'invalid_type':
      return issue.expected === 'number' || issue.expected === 'int' ? 'a whole number' : `a ${issue.expected}`;
    case 'invalid_format':
      if (issue.format === 'url') return 'a URL such as https://host:port/path';
      if (issue.format === 'starts_with') return `text starting with "${(issue as { prefix?: string }).prefix ?? ''}"`;
      // Custom patterns (host:port) carry their own wording.
      return issue.message.replace(/^expected /, '');
    default:
      return issue.message;
  }
}

/**
 * "AMPGATE_AGENT_AUTH is set to "basic"; expected one of token, none, mtls". The value of a
 * secret (`secret`: tokens, keys) is never repeated, only its length.
 */
export function settingProblem(variable: string, value: unknown, issue: z.core.$ZodIssue, secret = false): string {
  const given = value === undefined ? 'missing' : secret ? `set to a value of ${String(value).length} characters` : `set to ${show(value)}`;
  return `${variable} is ${given}; expected ${expectation(issue)}`;
}
