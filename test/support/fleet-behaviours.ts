/**
 * Agent behaviours for the fleet-action suites (issue 4), added to a TestAgent through its
 * `handlers`: the io.opentelemetry.pause custom capability, obeying a Restart command by
 * reconnecting as a fresh process would, and counting remote-config offers per hash.
 */
import { create } from '@bufbuild/protobuf';
import { CustomMessageSchema, type ServerToAgent } from '../../src/gen/opamp/v1/opamp_pb.js';
import { ignoreReply, type TestAgent } from './ws-agent.js';

export const PAUSE_CAPABILITY = 'io.opentelemetry.pause';

export interface PauseBehaviour {
  /** Whether the agent's pipelines are paused right now. */
  paused: boolean;
  /** Messages received for the capability, by type. */
  readonly received: string[];
  /** When set, the agent answers `error` with this text instead of obeying. */
  refuse: string | undefined;
}

/** Answers `pause`/`resume` like the spec example: `status` {"paused": ...} or `error` {"error": ...}. */
export function withPause(agent: TestAgent, opts: { refuse?: string } = {}): PauseBehaviour {
  const state: PauseBehaviour = { paused: false, received: [], refuse: opts.refuse };
  agent.handlers.push((a, msg) => {
    const cm = msg.customMessage;
    if (!cm || cm.capability !== PAUSE_CAPABILITY) return;
    state.received.push(cm.type);
    if (cm.type !== 'pause' && cm.type !== 'resume') return;
    if (state.refuse) return void a.send({ customMessage: answer('error', { error: state.refuse }) }).catch(ignoreReply);
    state.paused = cm.type === 'pause';
    a.send({ customMessage: answer('status', { paused: state.paused }) }).catch(ignoreReply);
  });
  return state;
}

function answer(type: string, data: unknown) {
  return create(CustomMessageSchema, { capability: PAUSE_CAPABILITY, type, data: new Uint8Array(Buffer.from(JSON.stringify(data))) });
}

export interface RestartBehaviour {
  /** Restart commands obeyed so far. */
  restarts: number;
}

/**
 * On ServerToAgentCommand Restart: sends agent_disconnect, closes the socket, and comes back as a
 * new process would: a new connection, sequence_num from 1, full state.
 */
export function withRestart(agent: TestAgent): RestartBehaviour {
  const state: RestartBehaviour = { restarts: 0 };
  agent.handlers.push((a, msg) => {
    if (!msg.command) return;
    state.restarts++;
    void (async () => {
      await a.disconnect();
      a.seq = 0n;
      await a.connect();
      await a.sendFull();
    })();
  });
  return state;
}

/** Remote-config offers received, per config hash (hex). */
export function offersByHash(agent: TestAgent): Map<string, number> {
  const counts = new Map<string, number>();
  for (const m of agent.received as ServerToAgent[]) {
    if (!m.remoteConfig) continue;
    const h = Buffer.from(m.remoteConfig.configHash).toString('hex');
    counts.set(h, (counts.get(h) ?? 0) + 1);
  }
  return counts;
}
