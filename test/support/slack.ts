/**
 * Slack test harness: correctly signed requests to the Bolt app, and a local HTTP server standing
 * in for the Slack Web API (Bolt's `slackApiUrl`) that records every call.
 */
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';

export const SIGNING_SECRET = 'test-signing-secret-0123456789abcdef';

export function sign(body: string, timestamp: number = Math.floor(Date.now() / 1000), secret = SIGNING_SECRET): Record<string, string> {
  const sig = `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
  return { 'X-Slack-Signature': sig, 'X-Slack-Request-Timestamp': String(timestamp) };
}

/** POSTs a signed payload to /slack/events. `form` bodies are url-encoded (slash commands, interactions). */
export async function sendToSlackApp(
  base: string,
  payload: { form?: Record<string, string>; json?: unknown },
  opts: { timestamp?: number; secret?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: unknown; text: string }> {
  const body = payload.form ? new URLSearchParams(payload.form).toString() : JSON.stringify(payload.json);
  const contentType = payload.form ? 'application/x-www-form-urlencoded' : 'application/json';
  const res = await fetch(`${base}/slack/events`, {
    method: 'POST',
    headers: { 'Content-Type': contentType, ...sign(body, opts.timestamp, opts.secret), ...(opts.headers ?? {}) },
    body,
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    /* plain text */
  }
  return { status: res.status, body: parsed, text };
}

/** The approvals channel the test servers are configured with. */
export const APPROVALS_CHANNEL = 'C0APPROVALS';

/** A `/ampgate <text>` slash command from `user`, as Slack sends it (form-encoded). */
export function slashCommand(user: string, text: string): { form: Record<string, string> } {
  return {
    form: { command: '/ampgate', text, user_id: user, user_name: user.toLowerCase(), team_id: 'T0001', channel_id: 'C0GENERAL', response_url: 'http://127.0.0.1:9/unused', trigger_id: 't1', api_app_id: 'A0001' },
  };
}

/** A signed-shape `block_actions` payload: `user` clicking one button on a message in `channel`. */
function blockAction(user: string, channel: { id: string; name: string; ts: string }, action: { action_id: string; block_id: string; value: string }): { form: Record<string, string> } {
  const payload = {
    type: 'block_actions',
    user: { id: user, username: user.toLowerCase(), name: user.toLowerCase(), team_id: 'T0001' },
    api_app_id: 'A0001',
    token: 'legacy',
    team: { id: 'T0001', domain: 'test' },
    channel: { id: channel.id, name: channel.name },
    container: { type: 'message', message_ts: channel.ts, channel_id: channel.id, is_ephemeral: false },
    trigger_id: 'trigger',
    response_url: 'http://127.0.0.1:9/unused',
    message: { ts: channel.ts, text: 'message' },
    actions: [{ ...action, type: 'button', action_ts: String(Date.now() / 1000) }],
  };
  return { form: { payload: JSON.stringify(payload) } };
}

/** `user` clicking Approve or Reject on a change request's card in the approvals channel. */
export function buttonClick(user: string, request: { id: string; fingerprint: string }, decision: 'approve' | 'reject' = 'approve'): { form: Record<string, string> } {
  return blockAction(user, { id: APPROVALS_CHANNEL, name: 'approvals', ts: '1700000000.000100' }, { action_id: `change_${decision}`, block_id: `change:${request.id}`, value: `${request.id}|${request.fingerprint}` });
}

/** `user` clicking a "did you mean" button (action `intent_retry_<n>`) under a reply in `channel`. */
export function retryClick(user: string, button: { action_id: string; value: string }, channel = 'C0GENERAL'): { form: Record<string, string> } {
  return blockAction(user, { id: channel, name: 'general', ts: '1700000000.000300' }, { action_id: button.action_id, block_id: 'intent_retry', value: button.value });
}

export interface RecordedCall {
  readonly method: string;
  readonly args: Record<string, unknown>;
}

/** A stand-in for https://slack.com/api/ that records calls and answers like Slack would. */
export class SlackApiRecorder {
  readonly calls: RecordedCall[] = [];
  /** user group id -> member user ids (for usergroups.users.list). */
  readonly userGroups = new Map<string, string[]>();
  #server: Server | undefined;
  #ts = 1_700_000_000;
  url = '';

  async start(): Promise<string> {
    this.#server = createServer((req, res) => {
      let data = '';
      req.on('data', (c: Buffer) => (data += c.toString()));
      req.on('end', () => {
        const method = (req.url ?? '').replace(/^\/api\//, '').split('?')[0]!;
        const args = parseArgs(data, req.headers['content-type'] ?? '');
        this.calls.push({ method, args });
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(this.#answer(method, args)));
      });
    });
    await new Promise<void>((r) => this.#server!.listen(0, '127.0.0.1', () => r()));
    const { port } = this.#server.address() as { port: number };
    this.url = `http://127.0.0.1:${port}/api/`;
    return this.url;
  }

  async stop(): Promise<void> {
    await new Promise<void>((r) => (this.#server ? this.#server.close(() => r()) : r()));
  }

  callsTo(method: string): RecordedCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  #answer(method: string, args: Record<string, unknown>): Record<string, unknown> {
    switch (method) {
      case 'auth.test':
        return { ok: true, user_id: 'UBOT', bot_id: 'BBOT', team_id: 'T0001', team: 'test', user: 'ampgate' };
      case 'chat.postMessage':
        return { ok: true, channel: args.channel, ts: `${this.#ts++}.000100`, message: { text: args.text } };
      case 'chat.update':
        return { ok: true, channel: args.channel, ts: args.ts };
      case 'chat.postEphemeral':
        return { ok: true, message_ts: `${this.#ts++}.000200` };
      case 'usergroups.users.list':
        return { ok: true, users: this.userGroups.get(String(args.usergroup)) ?? [] };
      case 'users.info':
        return { ok: true, user: { id: args.user, name: `user-${String(args.user).toLowerCase()}`, real_name: `User ${String(args.user)}` } };
      default:
        return { ok: true };
    }
  }
}

function parseArgs(data: string, contentType: string): Record<string, unknown> {
  if (contentType.includes('application/json')) return data ? (JSON.parse(data) as Record<string, unknown>) : {};
  const out: Record<string, unknown> = {};
  for (const [k, v] of new URLSearchParams(data)) {
    out[k] = /^[[{]/.test(v) ? safeJson(v) : v;
  }
  return out;
}

function safeJson(v: string): unknown {
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}
