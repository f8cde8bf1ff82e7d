/**
 * @module The agent-facing listener (default 127.0.0.1:4320, path /v1/opamp). One endpoint serves
 * both transports: a POST with Content-Type application/x-protobuf is plain HTTP, an Upgrade
 * request is a WebSocket (spec §Transport). Authentication and admission run first, on the HTTP
 * request, so refused agents cost neither an upgrade nor a body parse.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type ServerOptions as TlsServerOptions } from 'node:https';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { TLSSocket } from 'node:tls';
import type { Admission, AdmissionDecision } from './admission.js';
import type { AgentAuthenticator, PresentedCredentials } from '../fleet/agent-auth.js';
import { plain, type HttpTransport } from './http-transport.js';
import type { SourceConnectionLimiter } from './source-limit.js';
import { PROTOBUF_CONTENT_TYPE } from './wire.js';
import type { AgentAuth } from '../fleet/link.js';

/** The WebSocket side: in this process (ws-transport.ts) or in wire processes (ws-relay.ts). */
export interface WebSocketTransport {
  readonly openConnections: number;
  /** Completes an already authenticated and admitted upgrade. */
  upgrade(req: IncomingMessage, socket: Socket, head: Buffer, auth: AgentAuth): void;
  close(): Promise<void>;
}

export interface OpampListenerOptions {
  readonly host: string;
  readonly port: number;
  readonly path: string;
  /** When set, the listener speaks TLS (cert/key PEM, optional client CA and requestCert for mTLS). */
  readonly tls?: TlsServerOptions;
  /** Connections per source address (AMPGATE_MAX_CONNECTIONS_PER_SOURCE); none: unlimited. */
  readonly sourceLimit?: SourceConnectionLimiter;
  /**
   * Node's own deadlines, a backstop behind the transports' body timeout: the headers of a request
   * (a poll or an upgrade) and a whole request must arrive within these (408, closed).
   */
  readonly headersTimeoutMs?: number;
  readonly requestTimeoutMs?: number;
}

export interface ListenerEvents {
  onRejected(reason: 'unauthorized' | 'throttled' | 'overloaded' | 'not_found' | 'bad_method' | 'source_limit'): void;
}

export class OpampListener {
  readonly server: Server;
  readonly #authenticator: AgentAuthenticator;

  constructor(
    private readonly opts: OpampListenerOptions,
    authenticator: AgentAuthenticator,
    private readonly admission: Admission,
    private readonly ws: WebSocketTransport,
    private readonly http: HttpTransport,
    private readonly events: ListenerEvents,
  ) {
    this.#authenticator = authenticator;
    const onRequest = (req: IncomingMessage, res: ServerResponse) => this.#onRequest(req, res);
    const requestTimeout = opts.requestTimeoutMs ?? 30_000;
    const timeouts = {
      requestTimeout,
      headersTimeout: Math.min(opts.headersTimeoutMs ?? 10_000, requestTimeout),
      connectionsCheckingInterval: Math.max(100, Math.min(1_000, Math.floor(requestTimeout / 4))),
    };
    this.server = opts.tls ? createHttpsServer({ ...opts.tls, ...timeouts }, onRequest) : createHttpServer(timeouts, onRequest);
    this.server.on('upgrade', (req, socket, head) => this.#onUpgrade(req, socket as Duplex, head));
    opts.sourceLimit?.attach(this.server);
    this.server.on('clientError', (_err, socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    });
  }

  async listen(): Promise<{ host: string; port: number }> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.opts.port, this.opts.host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const addr = this.server.address();
    if (addr === null || typeof addr === 'string') throw new Error('listener has no TCP address');
    return { host: addr.address, port: addr.port };
  }

  async close(): Promise<void> {
    await this.ws.close();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeIdleConnections();
    });
  }

  #pathMatches(url: string | undefined): boolean {
    if (!url) return false;
    const q = url.indexOf('?');
    return (q === -1 ? url : url.slice(0, q)) === this.opts.path;
  }

  #onRequest(req: IncomingMessage, res: ServerResponse): void {
    if (this.opts.sourceLimit?.isOver(req.socket.remoteAddress)) {
      this.events.onRejected('source_limit');
      req.resume();
      const d = this.admission.refuseSource();
      return plain(res, 429, 'too many connections from this address', { 'Retry-After': String(d.ok ? 1 : d.retryAfterSeconds), Connection: 'close' });
    }
    if (!this.#pathMatches(req.url)) {
      this.events.onRejected('not_found');
      return plain(res, 404, 'not found');
    }
    const contentType = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (req.method !== 'POST' || contentType !== PROTOBUF_CONTENT_TYPE) {
      this.events.onRejected('bad_method');
      const status = req.method !== 'POST' ? 405 : 415;
      return plain(res, status, `OpAMP plain HTTP expects POST with Content-Type ${PROTOBUF_CONTENT_TYPE}; WebSocket clients must send Upgrade`, {
        Allow: 'POST',
      });
    }
    const auth = this.#authenticator.authenticate(presented(req));
    if (!auth) {
      this.events.onRejected('unauthorized');
      req.resume();
      return plain(res, 401, 'unauthorized', { 'WWW-Authenticate': 'Bearer realm="ampgate-opamp"' });
    }
    const decision = this.admission.admitPoll();
    if (!decision.ok) {
      this.events.onRejected(decision.status === 503 ? 'overloaded' : 'throttled');
      req.resume();
      return plain(res, decision.status, decision.reason, { 'Retry-After': String(decision.retryAfterSeconds) });
    }
    void this.http.handle(req, res, auth);
  }

  #onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    if (this.opts.sourceLimit?.isOver(req.socket.remoteAddress)) {
      this.events.onRejected('source_limit');
      const d = this.admission.refuseSource();
      return refuseUpgrade(socket, 429, 'Too Many Requests', { 'Retry-After': String(d.ok ? 1 : d.retryAfterSeconds) });
    }
    if (!this.#pathMatches(req.url)) {
      this.events.onRejected('not_found');
      return refuseUpgrade(socket, 404, 'Not Found');
    }
    const auth = this.#authenticator.authenticate(presented(req));
    if (!auth) {
      this.events.onRejected('unauthorized');
      return refuseUpgrade(socket, 401, 'Unauthorized', { 'WWW-Authenticate': 'Bearer realm="ampgate-opamp"' });
    }
    const decision: AdmissionDecision = this.admission.admitWebSocket(this.ws.openConnections);
    if (!decision.ok) {
      this.events.onRejected(decision.status === 503 ? 'overloaded' : 'throttled');
      return refuseUpgrade(socket, decision.status, decision.status === 503 ? 'Service Unavailable' : 'Too Many Requests', {
        'Retry-After': String(decision.retryAfterSeconds),
      });
    }
    this.ws.upgrade(req, socket as Socket, head, auth);
  }
}

/** What the request presented to authenticate with; the client certificate is read only when asked for. */
function presented(req: IncomingMessage): PresentedCredentials {
  return {
    authorization: req.headers.authorization,
    clientCertificate() {
      const socket = req.socket;
      if (!(socket instanceof TLSSocket)) return undefined;
      const peer = socket.getPeerCertificate(false);
      return { der: peer?.raw ?? undefined, verified: socket.authorized };
    },
  };
}

function refuseUpgrade(socket: Duplex, status: number, text: string, headers: Record<string, string> = {}): void {
  const lines = [`HTTP/1.1 ${status} ${text}`, 'Connection: close', 'Content-Length: 0', ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
  socket.end(`${lines.join('\r\n')}\r\n\r\n`);
}
