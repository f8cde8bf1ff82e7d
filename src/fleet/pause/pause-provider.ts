/**
 * @module Offer provider for the io.opentelemetry.pause custom capability: sends `pause` to agents
 * that should be paused and `resume` to agents being resumed, only when the agent lists the
 * capability in its latest custom_capabilities (OpAMP spec, Custom Messages), once per connection epoch. A
 * paused agent is sent `pause` again on its next connection (it may have restarted and forgotten),
 * which is idempotent for the agent. After an `error` answer nothing is resent until a new change.
 */
import { create } from '@bufbuild/protobuf';
import { CustomCapabilitiesSchema, CustomMessageSchema, type ServerToAgent } from '../../gen/opamp/v1/opamp_pb.js';
import type { AgentRecord } from '../agent-state.js';
import type { OfferProvider, OutboundContext } from '../offers.js';
import { PAUSE_CAPABILITY, type PauseState } from './pause-state.js';

export class PauseProvider implements OfferProvider {
  readonly name = 'pause-custom-message';
  readonly phase = 'offer' as const;
  /** uid -> "<type>|<change>|<epoch>" of the last message sent. */
  readonly #sent = new Map<string, string>();

  constructor(readonly state: PauseState) {}

  contribute(agent: AgentRecord, msg: ServerToAgent, ctx: OutboundContext): void {
    const row = this.state.get(agent.uid);
    if (row?.method !== 'custom' || row.error !== '') return;
    if (!agent.customCapabilities.includes(PAUSE_CAPABILITY)) return;
    // One custom message per ServerToAgent: if another provider used the slot, wait for the next one.
    if (msg.customMessage !== undefined) return;
    const type = row.state === 'resuming' ? 'resume' : 'pause';
    const key = `${type}|${row.change_id}|${ctx.epoch}`;
    if (this.#sent.get(agent.uid) === key) return;
    this.#sent.set(agent.uid, key);
    msg.customMessage = create(CustomMessageSchema, { capability: PAUSE_CAPABILITY, type, data: new Uint8Array(0) });
    const caps = msg.customCapabilities?.capabilities ?? [];
    if (!caps.includes(PAUSE_CAPABILITY)) msg.customCapabilities = create(CustomCapabilitiesSchema, { capabilities: [...caps, PAUSE_CAPABILITY] });
  }
}
