/**
 * Lean simulated agents for storms and crash tests with hundreds or thousands of agents: a raw `ws`
 * client each, small pre-built messages, no per-message promises. Each agent can reconnect by
 * itself (like a real agent after the server died), applies remote configs (APPLYING, then APPLIED
 * with the effective config, after an optional delay), and counts what it was offered per
 * connection, so tests can prove "each config hash at most once per connection".
 */
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { WebSocket } from 'ws';
import {
  AgentCapabilities,
  AgentToServerSchema,
  RemoteConfigStatuses,
  ServerToAgentFlags,
  ServerToAgentSchema,
  type ServerToAgent,
} from '../../src/gen/opamp/v1/opamp_pb.js';
import { newUuidV7Bytes, uidToString } from '../../src/protocol/uid.js';
import { kv } from './ws-agent.js';

type A2SInit = NonNullable<Parameters<typeof create<typeof AgentToServerSchema>>[1]>;

export const LEAN_CAPS =
  BigInt(AgentCapabilities.AgentCapabilities_ReportsStatus) |
  BigInt(AgentCapabilities.AgentCapabilities_AcceptsRemoteConfig) |
  BigInt(AgentCapabilities.AgentCapabilities_ReportsEffectiveConfig) |
  BigInt(AgentCapabilities.AgentCapabilities_ReportsRemoteConfig) |
  BigInt(AgentCapabilities.AgentCapabilities_ReportsHeartbeat);

const FULL_STATE = BigInt(ServerToAgentFlags.ServerToAgentFlags_ReportFullState);
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

export interface LeanAgentOptions {
  url: string;
  readonly token: string;
  readonly identifying?: Record<string, string>;
  /** Apply offered remote configs after this many ms (random in [0, max) when a range). Default: never. */
  readonly applyDelayMs?: number | readonly [number, number];
  /** Reconnect by itself after the connection drops, every `reconnectMs` until it succeeds. */
  readonly reconnectMs?: number;
  /** Called right after the agent reported APPLIED for a config. */
  readonly onApplied?: (agent: LeanAgent, hash: string) => void;
}

export class LeanAgent {
  readonly uid = newUuidV7Bytes();
  seq = 0n;
  ws: WebSocket | undefined;
  /** Connections opened so far (index of the current one is connections - 1). */
  connections = 0;
  replies = 0;
  /** Remote-config offers received: connection index -> config hash -> count. */
  readonly offers = new Map<number, Map<string, number>>();
  /** Remote config status the agent reports (survives reconnects like a real agent's state). */
  remote: { hash: string; status: RemoteConfigStatuses } | undefined;
  effective = 'receivers: {}\n';
  refusals = 0;
  #stopped = false;
  #reconnecting = false;

  constructor(readonly opts: LeanAgentOptions) {}

  get uidText(): string {
    return uidToString(this.uid);
  }

  get open(): boolean {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  /** Opens a connection and sends the full state; rejects on refusal (status in the error). */
  async connect(): Promise<void> {
    const ws = new WebSocket(this.opts.url, { headers: { Authorization: `Bearer ${this.opts.token}` }, perMessageDeflate: false });
    this.ws = ws;
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode })));
      ws.once('error', reject);
    });
    const index = this.connections++;
    ws.on('error', () => {});
    ws.on('message', (data: Buffer) => this.#onMessage(index, data));
    ws.on('close', () => {
      if (!this.#stopped && this.opts.reconnectMs !== undefined) void this.#reconnectLoop();
    });
    this.send(this.fullState());
  }

  fullState(): A2SInit {
    return {
      capabilities: LEAN_CAPS,
      agentDescription: { identifyingAttributes: kv(this.opts.identifying ?? { 'service.name': 'lean' }), nonIdentifyingAttributes: [] },
      effectiveConfig: { configMap: { configMap: { '': { body: new Uint8Array(Buffer.from(this.effective)), contentType: 'text/yaml' } } } },
      remoteConfigStatus: this.remote
        ? { lastRemoteConfigHash: new Uint8Array(Buffer.from(this.remote.hash, 'hex')), status: this.remote.status }
        : { status: RemoteConfigStatuses.RemoteConfigStatuses_UNSET },
    };
  }

  send(init: A2SInit = { capabilities: LEAN_CAPS }): void {
    if (!this.open) return;
    this.seq += 1n;
    const bytes = toBinary(
      AgentToServerSchema,
      create(AgentToServerSchema, { capabilities: LEAN_CAPS, ...init, instanceUid: this.uid, sequenceNum: this.seq }),
    );
    this.ws!.send(Buffer.concat([Buffer.of(0), bytes]));
  }

  /** Graceful: agent_disconnect, then a close frame. */
  disconnect(): void {
    this.send({ agentDisconnect: {} });
    this.ws?.close(1000);
  }

  /** Abrupt: the TCP connection just goes away (crash, network loss). */
  terminate(): void {
    this.ws?.terminate();
  }

  stop(): void {
    this.#stopped = true;
    this.ws?.terminate();
  }

  offersOn(connection: number, hash: string): number {
    return this.offers.get(connection)?.get(hash) ?? 0;
  }

  totalOffers(hash: string): number {
    let n = 0;
    for (const m of this.offers.values()) n += m.get(hash) ?? 0;
    return n;
  }

  async #reconnectLoop(): Promise<void> {
    if (this.#reconnecting) return;
    this.#reconnecting = true;
    while (!this.#stopped && !this.open) {
      await new Promise((r) => setTimeout(r, this.opts.reconnectMs! * (0.5 + Math.random())));
      try {
        await this.connect();
      } catch {
        this.refusals++;
      }
    }
    this.#reconnecting = false;
  }

  #onMessage(connection: number, data: Buffer): void {
    this.replies++;
    const msg: ServerToAgent = fromBinary(ServerToAgentSchema, new Uint8Array(data[0] === 0 ? data.subarray(1) : data));
    if (msg.remoteConfig) {
      const hash = hex(msg.remoteConfig.configHash);
      let m = this.offers.get(connection);
      if (!m) this.offers.set(connection, (m = new Map()));
      m.set(hash, (m.get(hash) ?? 0) + 1);
      this.#apply(hash, msg);
      return;
    }
    if ((msg.flags & FULL_STATE) !== 0n && !msg.errorResponse) this.send(this.fullState());
  }

  #apply(hash: string, msg: ServerToAgent): void {
    const d = this.opts.applyDelayMs;
    if (d === undefined) return;
    const body = Buffer.from(Object.values(msg.remoteConfig!.config?.configMap ?? {})[0]?.body ?? new Uint8Array()).toString('utf8');
    this.remote = { hash, status: RemoteConfigStatuses.RemoteConfigStatuses_APPLYING };
    this.send({ remoteConfigStatus: { lastRemoteConfigHash: new Uint8Array(Buffer.from(hash, 'hex')), status: this.remote.status } });
    const delay = typeof d === 'number' ? d : d[0] + Math.random() * (d[1] - d[0]);
    setTimeout(() => {
      this.effective = body;
      this.remote = { hash, status: RemoteConfigStatuses.RemoteConfigStatuses_APPLIED };
      this.send({
        remoteConfigStatus: { lastRemoteConfigHash: new Uint8Array(Buffer.from(hash, 'hex')), status: this.remote.status },
        effectiveConfig: { configMap: { configMap: { '': { body: new Uint8Array(Buffer.from(body)), contentType: 'text/yaml' } } } },
      });
      this.opts.onApplied?.(this, hash);
    }, delay).unref();
  }
}

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function inBatches<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}
