/**
 * @module The OpAMP connection-settings offer provider. It holds at most one pending offer per
 * agent (in memory: offers carry secrets) and puts it into ConnectionSettingsOffers.opamp only for
 * agents whose latest AgentToServer has AcceptsOpAMPConnectionSettings (spec §3 items 5-6, 20;
 * fleet-server #6815). An offer is sent once per uid and settings hash, remembered in SQLite, so a
 * reconnect does not repeat it (opamp-go agents loop on repeats); it is sent again only to an agent
 * that reports connection_settings_status and never mentioned the hash (the offer was lost with
 * its connection, spec §3 item 24). It also tracks what agents report about offers.
 */
import { create } from '@bufbuild/protobuf';
import { AgentCapabilities, ConnectionSettingsOffersSchema, type OpAMPConnectionSettings, type ServerToAgent } from '../gen/opamp/v1/opamp_pb.js';
import type { AgentRecord, ReportChanges } from '../fleet/agent-state.js';
import type { OfferProvider, OutboundContext } from '../fleet/offers.js';
import type { AgentRegistry } from '../fleet/registry.js';
import type { Logger } from '../shared/log.js';
import { hasCapability } from '../protocol/capabilities.js';
import type { OffersStore } from '../store/ports/offers.js';
import { offerProblems } from './offer-settings.js';

const ACCEPTS = AgentCapabilities.AgentCapabilities_AcceptsOpAMPConnectionSettings;
const REPORTS_STATUS = AgentCapabilities.AgentCapabilities_ReportsConnectionSettingsStatus;

export interface PendingOffer {
  readonly purpose: 'rotation' | 'csr';
  /** credential_rotations.id the offer belongs to. */
  readonly reference: string;
  readonly settings: OpAMPConnectionSettings;
  readonly hash: Uint8Array;
  readonly hashHex: string;
  /** CSR flow: the certificate comes without private key (the agent made the key). */
  readonly agentMadeKey: boolean;
  /** Rotation: the credential this offer carries (registered before it is offered). */
  readonly credentialId?: string;
}

/**
 * Whether `uid` has an active credential of its own (a per-agent token or client certificate)
 * other than `except`.
 */
export type OwnCredentialCheck = (uid: string, except: string | undefined) => boolean;

export class ConnectionSettingsProvider implements OfferProvider {
  readonly name = 'connection-settings';
  readonly phase = 'offer' as const;
  readonly #pending = new Map<string, PendingOffer>();
  /** Connection epoch in which each pending offer was last sent. */
  readonly #sentEpoch = new Map<string, number>();

  constructor(
    private readonly repo: OffersStore,
    registry: AgentRegistry,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
    private readonly onStatus: (agent: AgentRecord) => void = () => {},
    private readonly hasOwnCredential: OwnCredentialCheck = () => false,
  ) {
    registry.events.on('report', (agent, changes) => this.#onReport(agent, changes));
    registry.events.on('rekeyed', (oldUid, agent) => {
      const p = this.#pending.get(oldUid);
      this.#pending.delete(oldUid);
      this.#sentEpoch.delete(oldUid);
      if (p) this.#pending.set(agent.uid, p);
    });
  }

  /** Makes `offer` the agent's pending offer (replacing any other); the caller nudges the agent. */
  offer(uid: string, offer: PendingOffer): void {
    this.#pending.set(uid, offer);
    this.#sentEpoch.delete(uid);
  }

  /** Drops the agent's pending offer if it still belongs to `reference`. */
  withdraw(uid: string, reference: string): void {
    if (this.#pending.get(uid)?.reference !== reference) return;
    this.#pending.delete(uid);
    this.#sentEpoch.delete(uid);
  }

  pending(uid: string): PendingOffer | undefined {
    return this.#pending.get(uid);
  }

  contribute(agent: AgentRecord, msg: ServerToAgent, ctx: OutboundContext): void {
    const p = this.#pending.get(agent.uid);
    if (!p) return;
    // Gate on the latest message's bits: an agent that dropped the capability gets nothing.
    if (!hasCapability(agent.capabilities, ACCEPTS)) return;
    if (!this.#mayReceive(agent, p, ctx)) return;
    if (!this.#due(agent, p, ctx.epoch)) return;
    const problems = offerProblems(p.settings, agent.capabilities, p.agentMadeKey);
    if (problems.length > 0) {
      this.logger.error({ agent: agent.uid, problems }, 'refusing to send an incomplete OpAMP connection-settings offer');
      return;
    }
    msg.connectionSettings = create(ConnectionSettingsOffersSchema, { hash: p.hash, opamp: p.settings });
    this.#sentEpoch.set(agent.uid, ctx.epoch);
    this.repo.markOffered({ agent_uid: agent.uid, hash: p.hashHex, purpose: p.purpose, reference: p.reference, offered_at: this.now(), acked: 0 });
    this.logger.info({ agent: agent.uid, offerHash: p.hashHex.slice(0, 12), purpose: p.purpose, via: ctx.reason }, 'offered OpAMP connection settings');
  }

  /**
   * A rotation offer carries a new secret. Once the agent has its own credential, only a connection
   * authenticated with a credential bound to this agent receives it, never one authenticated with
   * the shared enrollment token, which every enrolled host holds and which can claim any uid (found
   * by the reliability suite: such a host got another agent's new token, completed "its" rotation,
   * and the real agent's token was revoked). An agent that never had its own credential can only be
   * recognised by the enrollment token; SECURITY.md says so.
   */
  #mayReceive(agent: AgentRecord, p: PendingOffer, ctx: OutboundContext): boolean {
    if (p.purpose !== 'rotation' || ctx.link.auth.boundAgentUid === agent.uid) return true;
    if (!this.hasOwnCredential(agent.uid, p.credentialId)) return true;
    this.logger.warn(
      { agent: agent.uid, credential: ctx.link.auth.credentialKind ?? ctx.link.auth.method },
      "withheld a credential offer from a connection not authenticated with the agent's own credential",
    );
    return false;
  }

  #due(agent: AgentRecord, p: PendingOffer, epoch: number): boolean {
    const offered = this.repo.offered(agent.uid);
    if (!offered || offered.hash !== p.hashHex) return true; // these settings were never sent
    if (this.#sentEpoch.get(agent.uid) === epoch) return false; // already sent on this connection
    // Without status reports there is no telling whether it arrived: once is all (no loops).
    if (!hasCapability(agent.capabilities, REPORTS_STATUS)) return false;
    // The agent has seen it (APPLYING/APPLIED/FAILED for this hash): never again (no resend loop).
    if (offered.acked || agent.connectionSettingsStatus?.hash === p.hashHex) return false;
    return true; // sent on an earlier connection that dropped before the agent said anything about it
  }

  #onReport(agent: AgentRecord, changes: ReportChanges): void {
    if (!changes.connectionSettingsStatus || !agent.connectionSettingsStatus) return;
    const st = agent.connectionSettingsStatus;
    const offered = this.repo.offered(agent.uid);
    if (offered && offered.hash === st.hash) {
      this.repo.ack(agent.uid, st.hash);
      const fields = { agent: agent.uid, offerHash: st.hash.slice(0, 12), status: st.status };
      if (st.status === 'FAILED') this.logger.warn({ ...fields, error: st.errorMessage }, 'agent could not apply the offered connection settings');
      else this.logger.info(fields, 'agent reported connection-settings status');
    }
    this.onStatus(agent);
  }
}
