/**
 * @module A Bolt Receiver mounted on the control plane's Fastify server at /slack/events (HTTP
 * mode). It verifies Slack's request signature on the raw body (bad or stale signatures get 401:
 * Slack signs `v0:timestamp:body` with the signing secret and timestamps older than 5 minutes are
 * refused), answers url_verification, drops duplicate deliveries of the same event, and hands
 * everything else to Bolt with an ack that becomes the HTTP response.
 */
import type { App, Receiver, ReceiverEvent } from '@slack/bolt';
import { verifySlackRequest } from '@slack/bolt';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SLACK_BODY_LIMIT } from '../api/body-limits.js';
import { malformedSlackPayload } from './payload-shape.js';

export interface SlackReceiverOptions {
  readonly signingSecret: string;
  readonly path?: string;
  /** How long an unacknowledged request may wait before a plain 200 is sent (Slack allows 3 s). */
  readonly ackTimeoutMs?: number;
  readonly now?: () => number;
  readonly onError?: (err: unknown) => void;
}

export class FastifySlackReceiver implements Receiver {
  #app: App | undefined;
  readonly #seenEvents = new Map<string, number>();

  constructor(private readonly opts: SlackReceiverOptions) {}

  init(app: App): void {
    this.#app = app;
  }

  async start(): Promise<void> {}
  async stop(): Promise<void> {}

  /** Registers the route in an encapsulated context that keeps the raw body for signing. */
  register(server: FastifyInstance): void {
    const path = this.opts.path ?? '/slack/events';
    void server.register(async (scope) => {
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('*', { parseAs: 'string', bodyLimit: SLACK_BODY_LIMIT }, (_req, body, done) => done(null, body));
      // The signature needs the body, but a request without a well-formed signature header or with
      // a stale timestamp is refused on its headers, before any of the body is read.
      scope.post(path, { onRequest: (req, reply, done) => this.#precheck(req, reply, done) }, (req, reply) => this.#handle(req, reply));
    });
  }

  #precheck(req: FastifyRequest, reply: FastifyReply, done: () => void): void {
    const signature = header(req, 'x-slack-signature');
    const timestamp = Number(header(req, 'x-slack-request-timestamp'));
    const now = (this.opts.now ?? Date.now)() / 1000;
    let problem: string | undefined;
    if (!/^v0=[0-9a-f]{64}$/.test(signature)) problem = 'missing or malformed x-slack-signature';
    else if (!Number.isFinite(timestamp) || Math.abs(now - timestamp) > 300) problem = 'missing or stale x-slack-request-timestamp';
    if (problem === undefined) return done();
    void reply
      .code(401)
      .header('Connection', 'close')
      .send({ error: { code: 'unauthorized', message: `invalid Slack request: ${problem}` } });
  }

  async #handle(req: FastifyRequest, reply: FastifyReply): Promise<void> {
    const raw = typeof req.body === 'string' ? req.body : '';
    const signature = header(req, 'x-slack-signature');
    const timestamp = Number(header(req, 'x-slack-request-timestamp'));
    try {
      verifySlackRequest({
        signingSecret: this.opts.signingSecret,
        body: raw,
        headers: { 'x-slack-signature': signature, 'x-slack-request-timestamp': timestamp },
        nowMilliseconds: (this.opts.now ?? Date.now)(),
      });
    } catch (err) {
      return void reply.code(401).send({ error: { code: 'unauthorized', message: `invalid Slack request: ${(err as Error).message}` } });
    }

    let body: Record<string, unknown>;
    try {
      body = parseBody(raw, header(req, 'content-type'));
    } catch {
      return void reply.code(400).send({ error: { code: 'bad_request', message: 'unreadable Slack payload' } });
    }
    const malformed = malformedSlackPayload(body);
    if (malformed) return void reply.code(400).send({ error: { code: 'bad_request', message: `malformed Slack payload: ${malformed}` } });
    if (body.type === 'url_verification') return void reply.send({ challenge: body.challenge });
    if (this.#isDuplicate(body)) return void reply.code(200).send();
    if (!this.#app) return void reply.code(503).send();

    let acked = false;
    // Slack gives up after 3 s: a listener still working by then gets an early plain 200.
    const timer = setTimeout(() => {
      if (!acked) {
        acked = true;
        void reply.code(200).send();
      }
    }, this.opts.ackTimeoutMs ?? 2_500);
    timer.unref();
    const event: ReceiverEvent = {
      body,
      retryNum: numberOrUndefined(header(req, 'x-slack-retry-num')),
      retryReason: header(req, 'x-slack-retry-reason') || undefined,
      ack: async (response?: unknown) => {
        if (acked) return;
        acked = true;
        if (response === undefined || response === '') void reply.code(200).send();
        else if (typeof response === 'string') void reply.code(200).type('text/plain').send(response);
        else void reply.code(200).send(response);
      },
    };
    try {
      await this.#app.processEvent(event);
    } catch (err) {
      this.opts.onError?.(err);
      if (!acked) {
        acked = true;
        void reply.code(500).send();
      }
    }
    clearTimeout(timer);
    // processEvent has run every listener by now: nothing acked it (an event nobody handles), so
    // there is nothing to wait for.
    if (!acked) {
      acked = true;
      void reply.code(200).send();
    }
  }

  /** Slack redelivers events it thinks timed out; handle each event_id once (10 minutes). */
  #isDuplicate(body: Record<string, unknown>): boolean {
    const id = typeof body.event_id === 'string' ? body.event_id : undefined;
    if (!id) return false;
    const now = Date.now();
    if (this.#seenEvents.size > 5_000) for (const [k, t] of this.#seenEvents) if (now - t > 600_000) this.#seenEvents.delete(k);
    if (this.#seenEvents.has(id)) return true;
    this.#seenEvents.set(id, now);
    return false;
  }
}

function header(req: FastifyRequest, name: string): string {
  const v = req.headers[name];
  return Array.isArray(v) ? (v[0] ?? '') : (v ?? '');
}

function numberOrUndefined(v: string): number | undefined {
  const n = Number(v);
  return v !== '' && Number.isFinite(n) ? n : undefined;
}

/** Slash commands and interactions are form-encoded (interactions carry JSON in `payload`); events are JSON. */
function parseBody(raw: string, contentType: string): Record<string, unknown> {
  if (contentType.startsWith('application/x-www-form-urlencoded')) {
    const form = Object.fromEntries(new URLSearchParams(raw));
    return typeof form.payload === 'string' ? (JSON.parse(form.payload) as Record<string, unknown>) : form;
  }
  return JSON.parse(raw) as Record<string, unknown>;
}
