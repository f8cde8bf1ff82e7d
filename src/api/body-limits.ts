/**
 * @module Request body caps of the control plane, per route. Bodies are read only after the
 * caller authenticated (routes authenticate in `onRequest`), and never beyond these sizes (413).
 */

/** Everything not listed below: decisions, token and enrollment management, rollbacks (small JSON). */
export const DEFAULT_BODY_LIMIT = 64 * 1024;
/** POST /api/changes: a target may list up to 100,000 agent uids. */
export const PROPOSAL_BODY_LIMIT = 4 * 1024 * 1024;
/** POST /api/configs: a config body of up to 4 MiB, JSON-escaped. */
export const CONFIG_BODY_LIMIT = 10 * 1024 * 1024;
/** POST /mcp: one JSON-RPC message. */
export const MCP_BODY_LIMIT = 1024 * 1024;
/** POST /slack/events: interaction payloads carry the whole card, form-encoded. */
export const SLACK_BODY_LIMIT = 1024 * 1024;
