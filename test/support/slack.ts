/**
 * Slack test harness: correctly signed requests to the Bolt app, and a local HTTP server standing
 * in for the Slack Web API (Bolt's `slackApiUrl`) and for commands' response_urls, recording every
 * call (optionally answering some methods slowly).
 */
import { createHmac, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { WebSocket, WebSocketServer } from 'ws';

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

/**
 * A `/ampgate <text>` slash command from `user`, as Slack sends it (form-encoded). Answers go to
 * `responseUrl` (a recorder's `responseUrl()` to see them).
 */
export function slashCommand(user: string, text: string, responseUrl = 'http://127.0.0.1:9/unused'): { form: Record<string, string> } {
  return {
    form: {
      command: '/ampgate',
      text,
      user_id: user,
      user_name: user.toLowerCase(),
      team_id: 'T0001',
      channel_id: 'C0GENERAL',
      response_url: responseUrl,
      trigger_id: 't1',
      api_app_id: 'A0001',
    },
  };
}

/**
 * Sends `/ampgate <text>` as `user` and waits for its answer through the response_url (commands
 * are acknowledged at once and answered there). Returns the HTTP acknowledgement and the answer.
 */
export async function runSlash(
  base: string,
  recorder: SlackApiRecorder,
  user: string,
  text: string,
  opts: { timeoutMs?: number; form?: Record<string, string> } = {},
): Promise<{ ack: { status: number; text: string }; answer: Record<string, unknown>; answerText: string }> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const url = recorder.responseUrl();
  const ack = await sendToSlackApp(base, { form: { ...slashCommand(user, text, url).form, ...opts.form } });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const hit = recorder.responses(url)[0];
    if (hit) return { ack: { status: ack.status, text: ack.text }, answer: hit.args, answerText: JSON.stringify(hit.args) };
    if (Date.now() > deadline) throw new Error(`no answer through the response_url for "${text}" within ${timeoutMs} ms (ack ${ack.status} ${ack.text})`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Sends `/ampgate <text>` for a command that must get no answer (refused before any work): the
 * HTTP acknowledgement, and whatever reached its response_url within `graceMs` after it.
 */
export async function slashUnanswered(
  base: string,
  recorder: SlackApiRecorder,
  user: string,
  text: string,
  opts: { graceMs?: number; form?: Record<string, string> } = {},
): Promise<{ ack: { status: number; text: string }; answers: RecordedCall[] }> {
  const url = recorder.responseUrl();
  const ack = await sendToSlackApp(base, { form: { ...slashCommand(user, text, url).form, ...opts.form } });
  await new Promise((r) => setTimeout(r, opts.graceMs ?? 500));
  return { ack: { status: ack.status, text: ack.text }, answers: recorder.responses(url) };
}

/** A signed-shape `block_actions` payload: `user` clicking one button on a message in `channel`. */
function blockAction(
  user: string,
  channel: { id: string; name: string; ts: string },
  action: { action_id: string; block_id: string; value: string },
): { form: Record<string, string> } {
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
export function buttonClick(
  user: string,
  request: { id: string; fingerprint: string },
  decision: 'approve' | 'reject' = 'approve',
): { form: Record<string, string> } {
  return blockAction(
    user,
    { id: APPROVALS_CHANNEL, name: 'approvals', ts: '1700000000.000100' },
    { action_id: `change_${decision}`, block_id: `change:${request.id}`, value: `${request.id}|${request.fingerprint}` },
  );
}

/** `user` clicking a "did you mean" button (action `intent_retry_<n>`) under a reply in `channel`. */
export function retryClick(user: string, button: { action_id: string; value: string }, channel = 'C0GENERAL'): { form: Record<string, string> } {
  return blockAction(
    user,
    { id: channel, name: 'general', ts: '1700000000.000300' },
    { action_id: button.action_id, block_id: 'intent_retry', value: button.value },
  );
}

export interface RecordedCall {
  /** Web API method (`chat.postMessage`), or `response_url` for a POST to a command's response_url. */
  readonly method: string;
  readonly args: Record<string, unknown>;
  /** Request path (tells response_urls apart). */
  readonly path: string;
  /** When the call arrived (Date.now()). */
  readonly at: number;
}

/** A stand-in for https://slack.com/api/ that records calls and answers like Slack would. */
export class SlackApiRecorder {
  readonly calls: RecordedCall[] = [];
  /** user group id -> member user ids (for usergroups.users.list). */
  readonly userGroups = new Map<string, string[]>();
  /** Web API method -> milliseconds to wait before answering (a slow Slack). */
  readonly delays = new Map<string, number>();
  #server: Server | undefined;
  #ts = 1_700_000_000;
  #responseUrls = 0;
  url = '';
  /** What apps.connections.open answers (a local Socket Mode stand-in, see SocketModeStandIn). */
  socketModeUrl: string | undefined;

  async start(): Promise<string> {
    this.#server = createServer((req, res) => {
      let data = '';
      req.on('data', (c: Buffer) => (data += c.toString()));
      req.on('end', () => {
        const path = (req.url ?? '').split('?')[0]!;
        const args = parseArgs(data, req.headers['content-type'] ?? '');
        if (path.startsWith('/respond/')) {
          this.calls.push({ method: 'response_url', args, path, at: Date.now() });
          res.writeHead(200, { 'Content-Type': 'text/plain' });
          res.end('ok');
          return;
        }
        const method = path.replace(/^\/api\//, '');
        this.calls.push({ method, args, path, at: Date.now() });
        const answer = () => {
          res.writeHead(200, { 'Content-Type': 'application/json' });
          res.end(JSON.stringify(this.#answer(method, args)));
        };
        const delay = this.delays.get(method);
        if (delay) setTimeout(answer, delay);
        else answer();
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

  /** A fresh response_url served by this recorder (one per slash command). */
  responseUrl(): string {
    return `${this.url.replace(/\/api\/$/, '')}/respond/${++this.#responseUrls}`;
  }

  /** What was posted to `url` (a response_url from responseUrl()). */
  responses(url: string): RecordedCall[] {
    const path = new URL(url).pathname;
    return this.calls.filter((c) => c.method === 'response_url' && c.path === path);
  }

  #answer(method: string, args: Record<string, unknown>): Record<string, unknown> {
    switch (method) {
      case 'auth.test':
        return { ok: true, user_id: 'UBOT', bot_id: 'BBOT', team_id: 'T0001', team: 'test', user: 'ampgate' };
      case 'apps.connections.open':
        return this.socketModeUrl ? { ok: true, url: this.socketModeUrl } : { ok: false, error: 'invalid_auth' };
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

/**
 * A stand-in for Slack's Socket Mode endpoint: the URL the recorder's apps.connections.open hands
 * out. It greets the app with `hello` (as Slack does), delivers envelopes and collects the app's
 * acknowledgements (`{envelope_id, payload}`).
 */
export class SocketModeStandIn {
  readonly acks: Array<{ envelope_id: string; payload?: Record<string, unknown>; at: number }> = [];
  connections = 0;
  #wss: WebSocketServer | undefined;
  #socket: WebSocket | undefined;
  url = '';

  async start(): Promise<string> {
    this.#wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((r) => this.#wss!.once('listening', () => r()));
    this.#wss.on('connection', (ws) => {
      this.connections++;
      this.#socket = ws;
      ws.on('message', (data) => {
        const msg = JSON.parse(String(data)) as { envelope_id: string; payload?: Record<string, unknown> };
        this.acks.push({ ...msg, at: Date.now() });
      });
      ws.send(JSON.stringify({ type: 'hello', num_connections: 1, debug_info: { host: 'ampgate-test' }, connection_info: { app_id: 'A0001' } }));
    });
    this.url = `ws://127.0.0.1:${(this.#wss.address() as { port: number }).port}/link`;
    return this.url;
  }

  /** Delivers one envelope and waits for the app's acknowledgement of it. */
  async deliver(
    type: 'slash_commands' | 'events_api' | 'interactive',
    payload: Record<string, unknown>,
    timeoutMs = 5_000,
  ): Promise<{ payload?: Record<string, unknown>; elapsedMs: number }> {
    const socket = this.#socket;
    if (!socket || socket.readyState !== WebSocket.OPEN) throw new Error('no Socket Mode connection');
    const id = randomUUID();
    const sent = Date.now();
    socket.send(JSON.stringify({ envelope_id: id, type, payload, accepts_response_payload: type !== 'events_api', retry_attempt: 0, retry_reason: '' }));
    for (;;) {
      const ack = this.acks.find((a) => a.envelope_id === id);
      if (ack) return { ...(ack.payload ? { payload: ack.payload } : {}), elapsedMs: ack.at - sent };
      if (Date.now() - sent > timeoutMs) throw new Error(`envelope ${type} not acknowledged within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  async stop(): Promise<void> {
    for (const c of this.#wss?.clients ?? []) c.terminate();
    await new Promise<void>((r) => (this.#wss ? this.#wss.close(() => r()) : r()));
  }
}
