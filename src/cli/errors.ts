/**
 * @module How the CLI ends: its exit codes, and how an error is shown (one line, plus every
 * validation problem the server listed; with --json, the error object on stdout). Nothing here
 * loads the server, so every command can use it without slowing its start.
 */
import { ApiError } from '../api/client.js';

/** Exit codes of every `ampgate` command (documented in `ampgate --help` and the README). */
export const EXIT = {
  ok: 0,
  /** A check failed (`audit verify`, `changes approve --wait` ended failed) or an unexpected error. */
  failed: 1,
  /** Bad usage or input, or the server refused the request (4xx other than 401). */
  refused: 2,
  /** No token, or the server does not know it (401). */
  unauthenticated: 3,
  /** The server could not be reached, or failed (5xx). */
  unavailable: 4,
} as const;

export const EXIT_CODES_HELP = `Exit codes:
  0  success
  1  a check failed (audit verify found a broken chain; changes approve --wait ended failed) or an unexpected error
  2  bad usage or input, invalid settings, a listen address in use, or the server refused the request
     (validation, role, conflict, not found)
  3  not authenticated: no token, or the server does not know it (401)
  4  the server could not be reached, or failed (5xx)`;

/** A problem with what was typed (or a local file it names), found before anything was sent: exit 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** An outcome the user waited for did not come (e.g. `--wait` ran out of time): exit 1, no stack. */
export class CliFailure extends Error {
  override readonly name = 'CliFailure';
}

/**
 * Errors the server raises for the operator, matched by name so that this module loads neither
 * zod nor the server: bad settings or policy (src/config.ts), a listener that cannot bind
 * (src/app/listen-error.ts). Their message is the whole story; no stack.
 */
const OPERATOR_ERRORS = new Set(['SettingsError', 'ListenError']);
const isOperatorError = (err: unknown): err is Error => err instanceof Error && OPERATOR_ERRORS.has(err.name);

export function exitCodeOf(err: unknown): number {
  if (err instanceof ApiError) {
    if (err.status === 401) return EXIT.unauthenticated;
    if (err.status === 0 || err.status >= 500) return EXIT.unavailable;
    return EXIT.refused;
  }
  if (err instanceof UsageError || isOperatorError(err)) return EXIT.refused;
  if (err instanceof CliFailure) return EXIT.failed;
  return EXIT.failed;
}

/** One problem as a line: strings as they are, `{message, line?, column?}` with its position. */
function problemLine(p: unknown): string {
  if (typeof p === 'string') return p;
  if (p && typeof p === 'object' && typeof (p as { message?: unknown }).message === 'string') {
    const { message, line, column } = p as { message: string; line?: number; column?: number };
    const at = line !== undefined ? `line ${line}${column !== undefined ? `, column ${column}` : ''}: ` : '';
    return `${at}${message}`;
  }
  return JSON.stringify(p);
}

/** What the user sees on stderr: `ampgate: <message>`, then each listed problem on its own line. */
export function errorText(err: unknown): string {
  if (!(err instanceof ApiError || err instanceof UsageError || err instanceof CliFailure || isOperatorError(err))) {
    return `ampgate: ${(err as Error)?.stack ?? String(err)}`;
  }
  const lines = [`ampgate: ${err.message}`];
  const problems = err instanceof ApiError ? err.details?.problems : undefined;
  if (Array.isArray(problems) && problems.length > 1) for (const p of problems) lines.push(`  - ${problemLine(p)}`);
  return lines.join('\n');
}

/** The error as one JSON document (for --json): the server's error object, status included. */
export function errorJson(err: unknown): string {
  const e =
    err instanceof ApiError
      ? { status: err.status, code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) }
      : { code: err instanceof Error && exitCodeOf(err) === EXIT.refused ? 'usage' : 'internal', message: (err as Error)?.message ?? String(err) };
  return JSON.stringify({ error: e }, null, 2);
}
