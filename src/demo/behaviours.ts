/**
 * @module Behaviours of a simulated agent beyond the wire basics, added through its `handlers`
 * (the demo fleet and the fleet-action suites use them): the io.opentelemetry.pause custom
 * capability, and obeying a Restart command by reconnecting as a fresh process would.
 */
import { create } from '@bufbuild/protobuf';
import { CustomMessageSchema } from '../gen/opamp/v1/opamp_pb.js';
import { ignoreReply, type SimulatedAgent } from './simulated-agent.js';

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
export function withPause(agent: SimulatedAgent, opts: { refuse?: string } = {}): PauseBehaviour {
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
export function withRestart(agent: SimulatedAgent): RestartBehaviour {
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
