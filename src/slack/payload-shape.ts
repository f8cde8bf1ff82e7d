/**
 * @module The minimum shape Bolt needs from a Slack payload before it can route it. Bolt indexes
 * into envelopes without checking them (`'channel' in event` on a null event, `body.team.id` on a
 * null team), so a correctly signed but malformed payload made it throw and the receiver answer 500
 * (found by the reliability suite's Slack fuzz test). Payloads that fail this check get 400 instead;
 * anything Bolt then still throws on is a real bug and stays a logged 500.
 */

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Top-level keys that, when present, Bolt reads as objects (`.id`, `.channel`, ...). */
const OBJECT_KEYS = ['team', 'enterprise', 'user', 'channel', 'container', 'message', 'view', 'event'] as const;

/** Interaction payloads (form field `payload`): Bolt and our handlers read `user.id` for all of them. */
const INTERACTIONS = new Set([
  'block_actions',
  'block_suggestion',
  'interactive_message',
  'dialog_submission',
  'shortcut',
  'message_action',
  'view_submission',
  'view_closed',
  'workflow_step_edit',
]);

/** Why Bolt could not safely route this payload, or undefined when it can. */
export function malformedSlackPayload(body: unknown): string | undefined {
  if (!isObject(body)) return 'the payload is not a JSON object';
  for (const key of OBJECT_KEYS) {
    if (key in body && body[key] !== undefined && !isObject(body[key])) return `"${key}" must be an object`;
  }
  if ('authorizations' in body && !Array.isArray(body.authorizations)) return '"authorizations" must be an array';
  if (isObject(body.event)) {
    const e = body.event;
    if (typeof e.type !== 'string') return 'event.type must be a string';
    if ('item' in e && !isObject(e.item)) return 'event.item must be an object';
    for (const key of ['user', 'text', 'channel', 'ts', 'thread_ts', 'subtype', 'bot_id', 'channel_type'] as const) {
      if (key in e && e[key] !== undefined && e[key] !== null && typeof e[key] !== 'string' && !(key === 'channel' && isObject(e[key])))
        return `event.${key} must be a string`;
    }
  }
  if ('command' in body) {
    for (const key of ['command', 'text', 'user_id'] as const) if (typeof body[key] !== 'string') return `${key} must be a string`;
  }
  if (typeof body.type === 'string' && INTERACTIONS.has(body.type) && (!isObject(body.user) || typeof body.user.id !== 'string'))
    return 'an interaction needs user.id';
  if ((body.type === 'view_submission' || body.type === 'view_closed') && !isObject(body.view)) return 'a view payload needs "view"';
  if ('actions' in body) {
    if (!Array.isArray(body.actions) || body.actions.length === 0) return '"actions" must be a non-empty array';
    for (const a of body.actions) if (!isObject(a) || typeof a.action_id !== 'string') return 'each action needs a string action_id';
    if (!isObject(body.user) || typeof body.user.id !== 'string') return 'an interaction needs user.id';
  }
  return undefined;
}
