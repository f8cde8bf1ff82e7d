/**
 * @module OpAMP over plain HTTP: one POST per AgentToServer, the response body is the
 * ServerToAgent. Request bodies may be gzip-compressed; responses are gzipped when Accept-Encoding
 * allows. Each exchange is its own AgentLink; agents stay known between polls and anything the
 * server wants to send waits for the next poll (OpAMP spec, Plain HTTP Transport).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { createGunzip, gzipSync } from 'node:zlib';
import type { AgentToServer, ServerToAgent } from '../gen/opamp/v1/opamp_pb.js';
import { allocateLinkId, type AgentAuth, type AgentLink } from '../fleet/link.js';
import type { AgentMessageHandler } from './message-handler.js';
import { isUuidText, uidFromString } from '../protocol/uid.js';
import { badRequest, internalError } from '../protocol/error-response.js';
import { decodeAgentToServer, encodeServerToAgent, type MalformedMessageError, PROTOBUF_CONTENT_TYPE } from './wire.js';

export interface HttpTransportOptions {
  readonly maxMessageBytes: number;
  /**
   * Bytes of request bodies held in memory by all polls together (after gunzip). A poll whose body
   * would go beyond it gets 503 + Retry-After. Default 64 MiB (AMPGATE_AGENT_INFLIGHT_BYTES).
   */
  readonly inFlightBytes?: number;
  /** A body must arrive completely within this; otherwise 408 and the connection is closed. Default 10000 ms. */
  readonly bodyTimeoutMs?: number;
  /** Retry-After (seconds) sent with a 503 for the in-flight budget. Default 10. */
  readonly retryAfterSeconds?: number;
  /** Responses smaller than this are not gzipped even when allowed. Default 512 bytes. */
  readonly gzipMinBytes?: number;
}

export interface HttpTransportEvents {
  onSent(count: number): void;
  onMalformed(reason: string): void;
  onInternalError(err: unknown): void;
}

class HttpLink implements AgentLink {
  readonly id = allocateLinkId();
  readonly transport = 'http' as const;
  readonly canPush = false;
  readonly isOpen = false;
  constructor(
    readonly remoteAddress: string,
    readonly auth: AgentAuth,
  ) {}
  push(): boolean {
    return false;
  }
  close(): void {}
}

class PayloadTooLargeError extends Error {}
/** The body did not arrive in time, or would exceed the in-flight budget: answered already. */
class BodyRefusedError extends Error {}

export class HttpTransport {
  readonly #gzipMin: number;
  /** Body bytes currently held by polls being read. */
  #inFlight = 0;
  /**
   * Bodies being read, with the time each must have ended by. One sweep checks them all: a timer
   * per poll (set, then cleared a tick later) cost a twentieth of a small poll's CPU. A late body
   * is cut off between its deadline and a quarter of the timeout (at most a second) after it.
   */
  readonly #reading = new Map<() => void, number>();
  #sweep: NodeJS.Timeout | undefined;

  constructor(
    private readonly session: AgentMessageHandler,
    private readonly events: HttpTransportEvents,
    private readonly opts: HttpTransportOptions,
  ) {
    this.#gzipMin = opts.gzipMinBytes ?? 512;
  }

  /** Handles an authenticated, admitted POST whose Content-Type is application/x-protobuf. */
  async handle(req: IncomingMessage, res: ServerResponse, auth: AgentAuth): Promise<void> {
    const headerUid = uidHeader(req);
    let body: Buffer;
    try {
      body = await this.#readBody(req, res);
    } catch (err) {
      if (err instanceof BodyRefusedError) return;
      if (err instanceof PayloadTooLargeError) {
        this.events.onMalformed('too_large');
        // 413: the client must not retry the same message (spec §Message size limits).
        return plain(res, 413, `message exceeds ${this.opts.maxMessageBytes} bytes`, { Connection: 'close' });
      }
      this.events.onMalformed('bad_body');
      return this.#reply(req, res, 400, badRequest(headerUid, `cannot read request body: ${(err as Error).message}`));
    }

    let msg: AgentToServer;
    try {
      msg = decodeAgentToServer(body);
    } catch (err) {
      this.events.onMalformed('undecodable');
      return this.#reply(req, res, 400, badRequest(headerUid, (err as MalformedMessageError).message));
    }

    let replies: ServerToAgent[];
    try {
      replies = this.session.handle(new HttpLink(req.socket.remoteAddress ?? '', auth), msg);
    } catch (err) {
      this.events.onInternalError(err);
      return this.#reply(req, res, 500, internalError(msg.instanceUid));
    }
    return this.#reply(req, res, 200, replies[0]!);
  }

  #reply(req: IncomingMessage, res: ServerResponse, status: number, msg: ServerToAgent): void {
    let body: Uint8Array = encodeServerToAgent(msg);
    const headers: Record<string, string | number> = { 'Content-Type': PROTOBUF_CONTENT_TYPE };
    if (body.length >= this.#gzipMin && acceptsGzip(req.headers['accept-encoding'])) {
      body = gzipSync(body);
      headers['Content-Encoding'] = 'gzip';
    }
    headers['Content-Length'] = body.length;
    res.writeHead(status, headers);
    res.end(body);
    this.events.onSent(1);
  }

  #expireLateBodies(): void {
    const now = performance.now();
    for (const [expire, deadline] of this.#reading) if (deadline <= now) expire();
    if (this.#reading.size === 0) {
      clearInterval(this.#sweep);
      this.#sweep = undefined;
    }
  }

  /** Body bytes held by polls being read right now (for metrics and tests). */
  get inFlightBytes(): number {
    return this.#inFlight;
  }

  /**
   * Reads the body, gunzipping when declared, enforcing the size limit after decompression, the
   * shared in-flight budget and the body deadline. Refusals of the last two are answered here (503
   * or 408, connection closed) and thrown as BodyRefusedError.
   */
  async #readBody(req: IncomingMessage, res: ServerResponse): Promise<Buffer> {
    const limit = this.opts.maxMessageBytes;
    const budget = this.opts.inFlightBytes ?? 64 * 1024 * 1024;
    const encoding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (encoding === 'identity' && declared > limit) throw new PayloadTooLargeError();
    if (encoding !== 'identity' && encoding !== 'gzip') throw new Error(`unsupported Content-Encoding ${encoding}`);
    const refuse = (status: 408 | 503, reason: string, text: string): BodyRefusedError => {
      if (!res.headersSent) {
        this.events.onMalformed(reason);
        // The rest of the body is not wanted: close the connection once the answer is out.
        res.once('finish', () => req.socket.destroy());
        plain(res, status, text, { Connection: 'close', ...(status === 503 ? { 'Retry-After': String(this.opts.retryAfterSeconds ?? 10) } : {}) });
      }
      return new BodyRefusedError(text);
    };
    const overBudget = () => refuse(503, 'inflight_budget', 'too many request bytes in flight on this server; retry later');
    if (encoding === 'identity' && declared > budget - this.#inFlight) throw overBudget();
    const source: Readable = encoding === 'gzip' ? req.pipe(createGunzip()) : req;
    // Events rather than `for await`: the async iterator cost a tenth of a small poll's CPU.
    return new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let held = 0;
      let done = false;
      const finish = (err: Error | undefined) => {
        if (done) return;
        done = true;
        this.#reading.delete(expire);
        this.#inFlight -= held;
        source.off('data', onData);
        source.off('end', onEnd);
        source.off('error', onError);
        source.off('close', onClose);
        if (err === undefined) return resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
        if (source !== req) source.destroy();
        req.resume();
        reject(err);
      };
      const onData = (chunk: Buffer) => {
        size += chunk.length;
        if (size > limit) return finish(new PayloadTooLargeError()); // also stops gzip bombs early
        if (this.#inFlight + chunk.length > budget) return finish(overBudget());
        this.#inFlight += chunk.length;
        held += chunk.length;
        chunks.push(chunk);
      };
      const onEnd = () => finish(undefined);
      const onError = (err: Error) => finish(err);
      const onClose = () => finish(new Error('the request closed before its body ended'));
      const timeoutMs = this.opts.bodyTimeoutMs ?? 10_000;
      // The socket is destroyed once the 408 is out; a gunzip stream is stopped now.
      const expire = () => finish(refuse(408, 'body_timeout', `the request body did not arrive within ${timeoutMs} ms`));
      this.#reading.set(expire, performance.now() + timeoutMs);
      this.#sweep ??= setInterval(() => this.#expireLateBodies(), Math.max(10, Math.min(1_000, timeoutMs / 4))).unref();
      source.on('data', onData);
      source.on('end', onEnd);
      source.on('error', onError);
      source.on('close', onClose);
    });
  }
}

function uidHeader(req: IncomingMessage): Uint8Array {
  const v = req.headers['opamp-instance-uid'];
  return typeof v === 'string' && isUuidText(v) ? uidFromString(v) : new Uint8Array(0);
}

/**
 * RFC 9110 Accept-Encoding with q-values: an explicit gzip with q>0 allows it, `gzip;q=0` forbids
 * it, and `*` with q>0 allows it when gzip is not listed.
 */
export function acceptsGzip(header: string | string[] | undefined): boolean {
  if (!header) return false;
  let star: boolean | undefined;
  for (const part of (Array.isArray(header) ? header.join(',') : header).split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    let q = 1;
    for (const p of params) {
      const m = /^\s*q=([0-9.]+)\s*$/.exec(p);
      if (m) q = Number(m[1]);
    }
    if (name === 'gzip' || name === 'x-gzip') return q > 0;
    if (name === '*') star = q > 0;
  }
  return star ?? false;
}

export function plain(res: ServerResponse, status: number, text: string, extra: Record<string, string> = {}): void {
  if (res.headersSent) return void res.end();
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', ...extra });
  res.end(`${text}\n`);
}
