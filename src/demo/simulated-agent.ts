/**
 * @module A simulated OpAMP agent over WebSocket: the demo fleet (`ampgate demo`) and the test
 * suites (as `TestAgent`, test/support/ws-agent.ts) both drive this one implementation. It speaks
 * the real wire format (0x00 header + protobuf), keeps a sequence number, answers ReportFullState
 * with its full state, adopts new_instance_uid, can apply remote configs like a real agent would,
 * and can report itself unhealthy. Extra behaviours (pause, restart) are in ./behaviours.ts.
 */
import { create, toBinary, fromBinary } from '@bufbuild/protobuf';
import { WebSocket, type ClientOptions } from 'ws';
import {
  AgentCapabilities,
  AgentToServerSchema,
  RemoteConfigStatuses,
  ServerToAgentFlags,
  ServerToAgentSchema,
  type ServerToAgent,
} from '../gen/opamp/v1/opamp_pb.js';
import type { KeyValue } from '../gen/opamp/v1/anyvalue_pb.js';
import { newUuidV7Bytes, uidToString } from '../protocol/uid.js';

type A2SInit = NonNullable<Parameters<typeof create<typeof AgentToServerSchema>>[1]>;

export interface SimulatedAgentOptions {
  readonly url: string;
  readonly token?: string;
  readonly headers?: Record<string, string>;
  readonly uid?: Uint8Array;
  readonly capabilities?: bigint;
  readonly identifying?: Record<string, string>;
  readonly nonIdentifying?: Record<string, string>;
  readonly customCapabilities?: readonly string[];
  /** Initial effective config files (name -> body), reported as text/yaml. */
  readonly effectiveConfig?: Record<string, string>;
  /** Apply remote configs: report APPLYING then APPLIED (or FAILED when `failConfig` says so). */
  readonly applyRemoteConfig?: boolean;
  readonly failConfig?: (files: Record<string, string>) => string | undefined;
  /** Send frames without the 0x00 header (legacy agents). */
  readonly legacyFraming?: boolean;
  readonly wsOptions?: ClientOptions;
  /** Reported health (OpAMP spec, ComponentHealth). Default: healthy, status "running". */
  readonly health?: { readonly healthy: boolean; readonly status?: string; readonly lastError?: string };
  /**
   * After the connection drops without close() or disconnect() (the server restarted, the network
   * failed), reconnect every ~`reconnectMs` and send the full state, until stop(). Default: never.
   */
  readonly reconnectMs?: number;
}

export const DEFAULT_CAPS: bigint =
  BigInt(AgentCapabilities.AgentCapabilities_ReportsStatus) |
  BigInt(AgentCapabilities.AgentCapabilities_AcceptsRemoteConfig) |
  BigInt(AgentCapabilities.AgentCapabilities_ReportsEffectiveConfig) |
  BigInt(AgentCapabilities.AgentCapabilities_ReportsRemoteConfig) |
  BigInt(AgentCapabilities.AgentCapabilities_ReportsHealth) |
  BigInt(AgentCapabilities.AgentCapabilities_ReportsHeartbeat);

/** DEFAULT_CAPS plus AcceptsRestartCommand (restart changes are eligible). */
export const RESTARTABLE_CAPS: bigint = DEFAULT_CAPS | BigInt(AgentCapabilities.AgentCapabilities_AcceptsRestartCommand);

/**
 * For messages sent without waiting for the reply: the reply may never come (the agent closed, the
 * test ended), and its timeout must not surface later as an unhandled rejection.
 */
export const ignoreReply = (): void => {};

export function kv(attrs: Record<string, string> = {}): KeyValue[] {
  return Object.entries(attrs).map(([key, v]) => ({
    $typeName: 'opamp.proto.v1.KeyValue',
    key,
    value: { $typeName: 'opamp.proto.v1.AnyValue', value: { case: 'stringValue', value: v } },
  }));
}

export class SimulatedAgent {
  uid: Uint8Array;
  seq = 0n;
  capabilities: bigint;
  effectiveConfig: Record<string, string>;
  remoteConfigStatus: { hash: Uint8Array; status: RemoteConfigStatuses; error: string } | undefined;
  readonly received: ServerToAgent[] = [];
  /**
   * Extra behaviours (pause/resume, restart, connection settings, ...) added by other test
   * helpers; each runs for every received message after the built-in reactions.
   */
  readonly handlers: Array<(agent: SimulatedAgent, msg: ServerToAgent) => void> = [];
  socket: WebSocket | undefined;
  closeCode: number | undefined;
  #waiters: Array<{ pred: (m: ServerToAgent) => boolean; resolve: (m: ServerToAgent) => void }> = [];
  #closeWaiters: Array<() => void> = [];
  /** close(), disconnect() or stop() was called: a dropped connection is not retried. */
  #leaving = false;
  #stopped = false;
  #reconnectTimer: NodeJS.Timeout | undefined;

  /** Mutable: connection-settings behaviours switch the agent to offered settings. */
  constructor(public opts: SimulatedAgentOptions) {
    this.uid = opts.uid ?? newUuidV7Bytes();
    this.capabilities = opts.capabilities ?? DEFAULT_CAPS;
    this.effectiveConfig = { ...(opts.effectiveConfig ?? { 'collector.yaml': 'receivers: {}\n' }) };
  }

  get uidText(): string {
    return uidToString(this.uid);
  }

  /** Opens the WebSocket. Resolves when open; rejects with the HTTP status on refusal. */
  connect(extraHeaders: Record<string, string> = {}): Promise<void> {
    const headers: Record<string, string> = { ...(this.opts.headers ?? {}), ...extraHeaders };
    if (this.opts.token) headers.Authorization = `Bearer ${this.opts.token}`;
    const ws = new WebSocket(this.opts.url, { headers, perMessageDeflate: false, ...(this.opts.wsOptions ?? {}) });
    this.socket = ws;
    this.closeCode = undefined;
    this.#leaving = false;
    let opened = false;
    ws.on('message', (data: Buffer) => this.#onFrame(data));
    ws.on('close', (code) => {
      this.closeCode = code;
      for (const w of this.#closeWaiters.splice(0)) w();
      // A refused attempt is retried by #scheduleReconnect's own rejection path.
      if (opened && this.opts.reconnectMs !== undefined && !this.#leaving && !this.#stopped) this.#scheduleReconnect();
    });
    return new Promise((resolve, reject) => {
      ws.once('open', () => {
        opened = true;
        // Later socket errors end in 'close'; they must not become unhandled 'error' events.
        ws.on('error', () => {});
        resolve();
      });
      ws.once('unexpected-response', (_req, res) => {
        const err = Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode, headers: res.headers });
        reject(err);
      });
      ws.once('error', reject);
    });
  }

  /** Connects and sends the full state as the first message. */
  async start(): Promise<ServerToAgent> {
    await this.connect();
    return this.sendFull();
  }

  fullState(): A2SInit {
    return {
      capabilities: this.capabilities,
      agentDescription: {
        identifyingAttributes: kv(this.opts.identifying ?? { 'service.name': 'test-agent' }),
        nonIdentifyingAttributes: kv(this.opts.nonIdentifying ?? { 'os.type': 'linux' }),
      },
      health: this.opts.health
        ? {
            healthy: this.opts.health.healthy,
            status: this.opts.health.status ?? (this.opts.health.healthy ? 'running' : 'degraded'),
            lastError: this.opts.health.lastError ?? '',
          }
        : { healthy: true, status: 'running' },
      effectiveConfig: this.effectiveConfigMessage(),
      remoteConfigStatus: this.remoteConfigStatus
        ? { lastRemoteConfigHash: this.remoteConfigStatus.hash, status: this.remoteConfigStatus.status, errorMessage: this.remoteConfigStatus.error }
        : { status: RemoteConfigStatuses.RemoteConfigStatuses_UNSET },
      customCapabilities: this.opts.customCapabilities ? { capabilities: [...this.opts.customCapabilities] } : undefined,
    };
  }

  sendFull(): Promise<ServerToAgent> {
    return this.send(this.fullState());
  }

  heartbeat(): Promise<ServerToAgent> {
    return this.send({ capabilities: this.capabilities });
  }

  /** Sends one AgentToServer (seq and uid filled in) and resolves with the next reply. */
  send(init: A2SInit, opts: { seq?: bigint } = {}): Promise<ServerToAgent> {
    this.seq = opts.seq ?? this.seq + 1n;
    const msg = create(AgentToServerSchema, { ...init, instanceUid: this.uid, sequenceNum: this.seq, capabilities: init?.capabilities ?? this.capabilities });
    const reply = this.next((m) => equalBytes(m.instanceUid, msg.instanceUid));
    this.sendRaw(toBinary(AgentToServerSchema, msg), !this.opts.legacyFraming);
    return reply;
  }

  /** Writes a raw binary frame, optionally prefixed with the 0x00 header. */
  sendRaw(payload: Uint8Array, withHeader = true): void {
    const frame = withHeader ? Buffer.concat([Buffer.of(0), payload]) : Buffer.from(payload);
    this.socket!.send(frame, { binary: true });
  }

  /** Resolves with the first received message (past or future) matching `pred` that was not consumed. */
  next(pred: (m: ServerToAgent) => boolean = () => true, timeoutMs = 5_000): Promise<ServerToAgent> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ServerToAgent (agent ${this.uidText})`)), timeoutMs);
      this.#waiters.push({
        pred,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      });
    });
  }

  /** Waits until `count` messages have been received in total and returns the last one. */
  async receivedCount(count: number, timeoutMs = 5_000): Promise<ServerToAgent> {
    const deadline = Date.now() + timeoutMs;
    while (this.received.length < count) {
      if (Date.now() > deadline) throw new Error(`agent ${this.uidText} received ${this.received.length} of ${count} messages`);
      await new Promise((r) => setTimeout(r, 5));
    }
    return this.received[count - 1]!;
  }

  /** Waits until a message matching `pred` has been received (including earlier ones). */
  async waitFor(pred: (m: ServerToAgent) => boolean, timeoutMs = 5_000): Promise<ServerToAgent> {
    const seen = this.received.find(pred);
    return seen ?? this.next(pred, timeoutMs);
  }

  /** Sends agent_disconnect and closes the socket. */
  async disconnect(): Promise<void> {
    if (!this.socket || this.socket.readyState !== WebSocket.OPEN) return;
    this.seq += 1n;
    const msg = create(AgentToServerSchema, { instanceUid: this.uid, sequenceNum: this.seq, capabilities: this.capabilities, agentDisconnect: {} });
    this.sendRaw(toBinary(AgentToServerSchema, msg));
    await this.close();
  }

  close(): Promise<void> {
    this.#leaving = true;
    const ws = this.socket;
    if (!ws || ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    const done = this.closed();
    ws.close(1000);
    return done;
  }

  /** Leaves for good: no reconnects; sends agent_disconnect when connected. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#reconnectTimer);
    await this.disconnect();
    await this.close();
  }

  #scheduleReconnect(): void {
    const delay = this.opts.reconnectMs! * (0.5 + Math.random());
    this.#reconnectTimer = setTimeout(() => {
      if (this.#stopped) return;
      // A new process would start its sequence over; this one continues it, as after a network blip.
      this.connect().then(
        () => void this.sendFull().catch(() => {}),
        () => this.#scheduleReconnect(),
      );
    }, delay);
  }

  /** Resolves when the socket is closed (by either side). */
  closed(): Promise<void> {
    if (!this.socket || this.socket.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => this.#closeWaiters.push(resolve));
  }

  effectiveConfigMessage(): A2SInit['effectiveConfig'] {
    const configMap: Record<string, { body: Uint8Array; contentType: string }> = {};
    for (const [name, body] of Object.entries(this.effectiveConfig)) configMap[name] = { body: Buffer.from(body), contentType: 'text/yaml' };
    return { configMap: { configMap } };
  }

  #onFrame(data: Buffer): void {
    // Copy into a plain Uint8Array so bytes fields compare equal to Uint8Array values in tests.
    const payload = new Uint8Array(data[0] === 0 ? data.subarray(1) : data);
    const msg = fromBinary(ServerToAgentSchema, payload);
    this.received.push(msg);
    const i = this.#waiters.findIndex((w) => w.pred(msg));
    if (i >= 0) this.#waiters.splice(i, 1)[0]!.resolve(msg);
    this.#react(msg);
    for (const h of this.handlers) h(this, msg);
  }

  /** Behaviour of a well-written agent. */
  #react(msg: ServerToAgent): void {
    if (msg.agentIdentification && msg.agentIdentification.newInstanceUid.length === 16) {
      this.uid = msg.agentIdentification.newInstanceUid;
    }
    if (msg.remoteConfig && this.opts.applyRemoteConfig) {
      this.#applyRemoteConfig(msg.remoteConfig.configHash, msg.remoteConfig.config?.configMap ?? {});
      return;
    }
    if ((msg.flags & BigInt(ServerToAgentFlags.ServerToAgentFlags_ReportFullState)) !== 0n && !msg.errorResponse) {
      this.sendFull().catch(ignoreReply);
    }
  }

  #applyRemoteConfig(hash: Uint8Array, files: Record<string, { body: Uint8Array }>): void {
    const text: Record<string, string> = {};
    for (const [name, f] of Object.entries(files)) text[name] = Buffer.from(f.body).toString('utf8');
    this.remoteConfigStatus = { hash, status: RemoteConfigStatuses.RemoteConfigStatuses_APPLYING, error: '' };
    this.send({ remoteConfigStatus: { lastRemoteConfigHash: hash, status: RemoteConfigStatuses.RemoteConfigStatuses_APPLYING } }).catch(ignoreReply);
    const failure = this.opts.failConfig?.(text);
    if (failure) {
      this.remoteConfigStatus = { hash, status: RemoteConfigStatuses.RemoteConfigStatuses_FAILED, error: failure };
      this.send({ remoteConfigStatus: { lastRemoteConfigHash: hash, status: RemoteConfigStatuses.RemoteConfigStatuses_FAILED, errorMessage: failure } }).catch(
        ignoreReply,
      );
      return;
    }
    this.effectiveConfig = text;
    this.remoteConfigStatus = { hash, status: RemoteConfigStatuses.RemoteConfigStatuses_APPLIED, error: '' };
    this.send({
      remoteConfigStatus: { lastRemoteConfigHash: hash, status: RemoteConfigStatuses.RemoteConfigStatuses_APPLIED },
      effectiveConfig: this.effectiveConfigMessage(),
    }).catch(ignoreReply);
  }
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
