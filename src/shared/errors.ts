/**
 * @module Error codes that cross the control-plane boundary (REST, MCP, Slack, CLI). Each code has
 * one HTTP status and a one-line meaning; docs/errors.md lists them. Errors on the OpAMP wire are
 * ServerErrorResponse messages instead (src/opamp/wire.ts).
 */

const ERROR_CODES = {
  /** The request is malformed or fails validation. */
  bad_request: 400,
  /** No or unknown bearer token. */
  unauthorized: 401,
  /** The principal lacks the role, or the action is forbidden for it (e.g. self-approval). */
  forbidden: 403,
  /** The addressed object does not exist. */
  not_found: 404,
  /** The object is not in a state that allows the action, or approved inputs drifted. */
  conflict: 409,
  /** The input is well-formed but semantically invalid (unknown config, bad selector, invalid config body). */
  unprocessable: 422,
  /** Rate limited. */
  too_many_requests: 429,
  /** A bug: logged with a stack, reported without one. */
  internal: 500,
  /** The feature is switched off in this deployment (e.g. read-only mode). */
  unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class AmpgateError extends Error {
  override readonly name = 'AmpgateError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Extra machine-readable detail returned with the error (never secrets). */
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }

  get status(): number {
    return ERROR_CODES[this.code];
  }
}

export const notFound = (what: string): AmpgateError => new AmpgateError('not_found', `${what} not found`);

/** Invalid settings or policy: startup stops with this message. */
export class SettingsError extends Error {
  override readonly name = 'SettingsError';
}
