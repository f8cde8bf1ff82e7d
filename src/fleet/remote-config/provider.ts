/**
 * @module The remote-config offer provider: puts AgentRemoteConfig into a ServerToAgent when the
 * agent's desired config differs from what it reports.
 *
 * Following the OpAMP spec, Configuration (Remote Configuration, AgentRemoteConfig Message):
 * - Only to agents whose latest message has AcceptsRemoteConfig (capabilities can change later).
 * - config_hash is always set.
 * - Offered when the reported hash differs from the desired one, once per connection epoch: an
 *   offer lost with a connection is made again on the next one, and an agent that keeps reporting
 *   the same status is never sent the same config again on the same connection (no resend loop).
 * - Never automatically re-offered once it FAILED or was rolled back on that agent (opamp-spec
 *   issue #397); only a new change request assigns it again.
 */
import { create } from '@bufbuild/protobuf';
import { AgentCapabilities, AgentRemoteConfigSchema, type ServerToAgent } from '../../gen/opamp/v1/opamp_pb.js';
import { hasCapability } from '../../protocol/capabilities.js';
import type { AgentRecord } from '../agent-state.js';
import type { OfferProvider, OutboundContext } from '../offers.js';
import type { DesiredConfigs } from './desired-state.js';
import { NO_REOFFER } from './transitions.js';

export class RemoteConfigProvider implements OfferProvider {
  readonly name = 'remote-config';
  readonly phase = 'offer' as const;
  /** uid -> attempt id and epoch of the last offer. */
  readonly #offered = new Map<string, { attemptId: number; epoch: number }>();

  constructor(readonly desired: DesiredConfigs) {}

  contribute(agent: AgentRecord, msg: ServerToAgent, ctx: OutboundContext): void {
    if (!hasCapability(agent.capabilities, AgentCapabilities.AgentCapabilities_AcceptsRemoteConfig)) return;
    const want = this.desired.get(agent.uid);
    if (!want || NO_REOFFER.has(want.status)) return;
    if (agent.remoteConfigStatus?.hash === want.hash) return;
    const last = this.#offered.get(agent.uid);
    if (last && last.attemptId === want.id && last.epoch === ctx.epoch) return;
    const payload = this.desired.payload(want.hash);
    if (!payload) return;
    msg.remoteConfig = create(AgentRemoteConfigSchema, { config: payload.map, configHash: new Uint8Array(Buffer.from(want.hash, 'hex')) });
    this.#offered.set(agent.uid, { attemptId: want.id, epoch: ctx.epoch });
    this.desired.markOffered(agent.uid);
  }
}
