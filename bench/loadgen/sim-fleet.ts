/**
 * @module The simulated agents of one worker process and how they behave: full state on connect,
 * heartbeats on a timing wheel, answers to ReportFullState, remote configs applied at once
 * (APPLYING, then APPLIED with the new effective config), adoption of new_instance_uid, and
 * reconnects with jittered exponential backoff or the server's Retry-After.
 */
import { fromBinary } from '@bufbuild/protobuf';
import { WebSocket } from 'ws';
import { ServerToAgentSchema, type AgentRemoteConfig } from '../../src/gen/opamp/v1/opamp_pb.js';
import { newUuidV7Bytes } from '../../src/protocol/uid.js';
import { backoffDelay, retryAfterDelay } from './backoff.js';
import { encodeMessage, S2A_NEEDS_DECODE, scanServerToAgent } from './codec.js';
import { HttpPoller } from './http-poller.js';
import { nowMs, type AgentReport, type LoadMode, type WorkerConfig, type WorkerStats } from './ipc.js';
import { ProfileBook } from './profiles.js';
import { Counters, SimAgent } from './sim-agent.js';

const REPORT_FULL_STATE = 1;
const WHEEL_TICK_MS = 100;

/** Client frames must be masked (RFC 6455); an all-zero key lets ws skip the XOR pass. */
const zeroMask = (mask: Uint8Array): void => void mask.fill(0);

export class SimFleet {
  readonly counters = new Counters();
  readonly agents: SimAgent[] = [];
  readonly #book: ProfileBook;
  readonly #http: HttpPoller;
  readonly #startNanos = BigInt(Date.now()) * 1_000_000n;
  readonly #wheel: SimAgent[][];
  readonly #timers: NodeJS.Timeout[] = [];
  readonly #watched = new Set<string>();
  #slot = 0;
  #mode: LoadMode;

  constructor(
    private readonly cfg: WorkerConfig,
    private readonly onWatchedConfig: (uid: string, at: number) => void = () => {},
  ) {
    this.#mode = cfg.mode;
    this.#book = new ProfileBook(cfg.groups);
    this.#http = new HttpPoller(cfg.httpUrl, cfg.token, this.counters, { onReply: (a, p) => this.#onReply(a, p) }, cfg.backoff);
    const slots = Math.max(1, Math.round(cfg.heartbeatMs / WHEEL_TICK_MS));
    this.#wheel = Array.from({ length: slots }, () => []);
    for (let i = 0; i < cfg.agents; i++) {
      const index = cfg.firstIndex + i;
      const local = cfg.localAddresses[index % cfg.localAddresses.length]!;
      const a = new SimAgent(newUuidV7Bytes(), this.#book.initial(index % cfg.groups), i < cfg.httpAgents ? 'http' : 'ws', local);
      this.agents.push(a);
      this.#wheel[i % slots]!.push(a);
    }
    this.#timers.push(setInterval(() => this.#tick(), WHEEL_TICK_MS));
  }

  /** Opens every agent's connection, paced at `connectRate` per second. */
  connectAll(): void {
    const queue = this.agents.filter((a) => a.state === 'idle').reverse();
    let budget = 0;
    let last = Date.now();
    const timer = setInterval(() => {
      const now = Date.now();
      budget = Math.min(budget + ((now - last) / 1000) * this.cfg.connectRate, Math.max(1, this.cfg.connectRate / 10));
      last = now;
      while (budget >= 1 && queue.length > 0) {
        budget--;
        this.#start(queue.pop()!);
      }
      if (queue.length === 0) clearInterval(timer);
    }, 10);
    this.#timers.push(timer);
  }

  setMode(mode: LoadMode): void {
    this.#mode = mode;
    if (mode === 'flood-full' || mode === 'flood-heartbeat') for (const a of this.agents) if (a.ready && a.inFlight === 0) this.#nextLoad(a);
  }

  /** Cuts every WebSocket at once (no close handshake); agents reconnect with their backoff. */
  drop(): void {
    for (const a of this.agents) if (a.ws) a.ws.terminate();
  }

  watch(uids: readonly string[]): void {
    for (const u of uids) this.#watched.add(u);
  }

  stop(): void {
    for (const t of this.#timers) clearInterval(t);
    for (const a of this.agents) {
      a.state = 'stopped';
      a.ws?.terminate();
    }
    this.#http.stop();
  }

  stats(worker: number): WorkerStats {
    const cpu = process.cpuUsage();
    let ready = 0;
    for (const a of this.agents) if (a.ready) ready++;
    return {
      worker,
      agents: this.agents.length,
      ready,
      ...this.counters,
      cpuUserMs: cpu.user / 1000,
      cpuSystemMs: cpu.system / 1000,
      rssBytes: process.memoryUsage.rss(),
    };
  }

  report(): AgentReport[] {
    return this.agents.map((a) => ({
      uid: a.uidText,
      transport: a.transport,
      ready: a.ready,
      seq: a.seq,
      lastHealthStamp: a.healthCounter > 0 ? (this.#startNanos + BigInt(a.healthCounter)).toString() : '',
      configHash: a.profile.configHashHex,
      configAt: a.configAt,
      appliedAt: a.appliedAt,
      refusals: a.refusals,
      readyAt: a.ready ? a.readyAt : 0,
    }));
  }

  #start(a: SimAgent): void {
    if (a.transport === 'ws') return this.#openWs(a);
    a.state = 'open';
    this.counters.connects++;
    this.#sendFull(a);
  }

  #openWs(a: SimAgent): void {
    a.state = 'connecting';
    a.ready = false;
    a.inFlight = 0;
    a.retryAfterMs = -1;
    const ws = new WebSocket(this.cfg.wsUrl, {
      headers: { Authorization: `Bearer ${this.cfg.token}` },
      perMessageDeflate: false,
      localAddress: a.localAddress,
      generateMask: zeroMask,
      handshakeTimeout: 15_000,
      skipUTF8Validation: true,
    });
    a.ws = ws;
    ws.on('open', () => {
      a.state = 'open';
      this.counters.connects++;
      this.#sendFull(a);
    });
    ws.on('message', (data: Buffer) => this.#onReply(a, data.subarray(data[0] === 0 ? 1 : 0)));
    ws.on('unexpected-response', (_req, res) => {
      const status = res.statusCode ?? 0;
      if (status === 429) this.counters.throttled429++;
      else if (status === 503) this.counters.overloaded503++;
      else this.counters.refusedOther++;
      const wait = status === 429 || status === 503 ? retryAfterDelay(res.headers['retry-after'], this.cfg.backoff) : undefined;
      if (status === 429 || status === 503) a.refusals++;
      a.retryAfterMs = wait ?? backoffDelay(a.attempts++, this.cfg.backoff);
      res.resume();
      ws.terminate();
    });
    ws.on('error', () => {});
    ws.on('close', () => this.#onClose(a, ws));
  }

  #onClose(a: SimAgent, ws: WebSocket): void {
    if (a.ws !== ws) return;
    a.ws = undefined;
    a.ready = false;
    a.inFlight = 0;
    if (a.state === 'stopped') return;
    if (a.state === 'open') this.counters.unexpectedCloses++;
    else if (a.retryAfterMs < 0) this.counters.connectFailures++;
    const delay = a.retryAfterMs >= 0 ? a.retryAfterMs : backoffDelay(a.attempts++, this.cfg.backoff);
    a.retryAfterMs = -1;
    a.state = 'waiting';
    const t = setTimeout(() => {
      if (a.state === 'waiting') this.#openWs(a);
    }, delay);
    t.unref();
  }

  #send(a: SimAgent, body: Uint8Array, full: boolean): void {
    if (a.state !== 'open') return;
    a.seq++;
    let stamp: bigint | undefined;
    if (full) {
      a.healthCounter++;
      stamp = this.#startNanos + BigInt(a.healthCounter);
      this.counters.fullSent++;
    }
    if (a.transport === 'http') return this.#http.send(a, encodeMessage(false, a.uid, a.seq, body, this.#startNanos, stamp));
    if (a.ws === undefined || a.ws.readyState !== WebSocket.OPEN) return;
    a.inFlight++;
    this.counters.sent++;
    a.ws.send(encodeMessage(true, a.uid, a.seq, body, this.#startNanos, stamp));
  }

  #sendFull(a: SimAgent): void {
    this.#send(a, a.profile.full, true);
  }

  #onReply(a: SimAgent, payload: Uint8Array): void {
    this.counters.received++;
    if (a.inFlight > 0) a.inFlight--;
    if (!a.ready) {
      a.ready = true;
      a.readyAt = nowMs();
      a.attempts = 0;
      if (a.connectedOnce) this.counters.reconnects++;
      a.connectedOnce = true;
    }
    let flags = 0;
    try {
      const scan = scanServerToAgent(payload);
      flags = scan.flags;
      if ((scan.fields & S2A_NEEDS_DECODE) !== 0) this.#act(a, payload);
    } catch {
      this.counters.errorResponses++;
      return;
    }
    if ((flags & REPORT_FULL_STATE) !== 0) {
      this.counters.fullStateRequests++;
      this.#sendFull(a);
    } else if (a.inFlight === 0) this.#nextLoad(a);
  }

  /** Closed-loop load: the next message once the previous one was answered. */
  #nextLoad(a: SimAgent): void {
    if (this.#mode === 'flood-full') this.#sendFull(a);
    else if (this.#mode === 'flood-heartbeat') this.#send(a, this.#book.heartbeat, false);
  }

  #act(a: SimAgent, payload: Uint8Array): void {
    const msg = fromBinary(ServerToAgentSchema, payload);
    if (msg.errorResponse) this.counters.errorResponses++;
    if (msg.command) this.counters.commands++;
    const id = msg.agentIdentification?.newInstanceUid;
    if (id && id.length === 16) {
      a.uid = Uint8Array.from(id);
      this.counters.newUids++;
    }
    if (msg.remoteConfig) this.#applyRemoteConfig(a, msg.remoteConfig);
  }

  /** An instant-apply agent: APPLYING, then APPLIED with the offered files as effective config. */
  #applyRemoteConfig(a: SimAgent, rc: AgentRemoteConfig): void {
    this.counters.remoteConfigs++;
    a.configAt = nowMs();
    const reports = this.#book.reportsFor(rc.configHash, rc.config);
    if (this.#watched.size > 0 && this.#watched.has(a.uidText)) this.onWatchedConfig(a.uidText, a.configAt);
    if (a.profile.configHashHex !== reports.hashHex) {
      this.#send(a, reports.applying, false);
      a.profile = this.#book.applied(a.profile.group, reports.hashHex);
    }
    this.#send(a, reports.applied, false);
    a.appliedAt = nowMs();
    this.counters.appliedSent++;
  }

  #tick(): void {
    const slot = this.#wheel[this.#slot]!;
    this.#slot = (this.#slot + 1) % this.#wheel.length;
    if (this.#mode !== 'heartbeat') return;
    for (const a of slot) if (a.ready && a.inFlight === 0) this.#send(a, this.#book.heartbeat, false);
  }
}
