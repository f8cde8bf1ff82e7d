/**
 * @module Per-message OpAMP server logic, shared by both transports: uid validation, credential
 * binding, duplicate-uid detection, RequestInstanceUid, sequence gaps and ReportFullState, merging
 * the report into the registry, and composing the answer. Every AgentToServer gets at least one
 * ServerToAgent (spec: MUST answer each message, including duplicates and retries).
 */
import { create } from '@bufbuild/protobuf';
import {
  AgentCapabilities,
  AgentToServerFlags,
  ServerToAgentFlags,
  ServerToAgentSchema,
  type AgentToServer,
  type ServerToAgent,
} from '../gen/opamp/v1/opamp_pb.js';
import type { AgentRecord } from '../fleet/agent-state.js';
import { DEFAULT_ATTRIBUTE_LIMITS, descriptionProblem, type AttributeLimits } from '../fleet/attribute-limits.js';
import type { Fleet } from '../fleet/fleet.js';
import type { AgentLink } from '../fleet/link.js';
import { decodeDeferredUnless, deferredDigest, MalformedMessageError } from '../protocol/agent-to-server.js';
import { hasCapability } from '../protocol/capabilities.js';
import { newUuidV7Bytes, uidFromString, uidToString } from '../protocol/uid.js';
import type { AgentMessageHandler } from './message-handler.js';
import { badRequest } from '../protocol/error-response.js';

/** Runtime-only protocol state per uid (never persisted). */
interface UidState {
  lastSeq: bigint | undefined;
  lastMessageAt: number;
  /** Fleet epoch in which ReportFullState was last requested because state was incomplete. */
  fullStateAskedEpoch: number;
  componentsAskedEpoch: number;
}

export interface SessionOptions {
  /**
   * A live WebSocket that has carried a message for a uid within this window is considered
   * active: another connection claiming the same uid with a non-contiguous sequence number is a
   * duplicate and gets a new uid. Older links are taken over (quick reconnect). Default 15000 ms.
   */
  readonly duplicateActiveWindowMs?: number;
  readonly now?: () => number;
  /**
   * Whether a uid is bound to a per-agent credential (token or client certificate) that its agent
   * has used. Such a uid is spoken for only by connections presenting that credential. Default:
   * no uid is (AMPGATE_AGENT_AUTH=none has no credentials).
   */
  readonly isEstablished?: (uid: string) => boolean;
  /** Bounds on agent descriptions (AMPGATE_MAX_AGENT_ATTRIBUTES and friends). */
  readonly attributeLimits?: AttributeLimits;
  /**
   * The stored records are complete: the previous process stopped cleanly, after its batched
   * writes, and no other process writes them. Then an agent that reconnects and continues its
   * sequence is not asked for its full state. Default false: it is asked once (OpAMP spec, Status
   * Reporting: the server cannot tell whether the sequence continues what it stored).
   */
  readonly storedStateComplete?: boolean;
}

export interface SessionCounters {
  onMessage(transport: 'ws' | 'http'): void;
  onSent(transport: 'ws' | 'http', count: number): void;
  onError(reason: string): void;
}

const NOOP_COUNTERS: SessionCounters = { onMessage() {}, onSent() {}, onError() {} };

const REPORT_FULL_STATE = BigInt(ServerToAgentFlags.ServerToAgentFlags_ReportFullState);
const REPORT_COMPONENTS = BigInt(ServerToAgentFlags.ServerToAgentFlags_ReportAvailableComponents);
const REQUEST_INSTANCE_UID = BigInt(AgentToServerFlags.AgentToServerFlags_RequestInstanceUid);

export class OpampSession implements AgentMessageHandler {
  readonly #uids = new Map<string, UidState>();
  /** uids each WebSocket has carried, so a close takes all of them offline. */
  readonly #linkUids = new WeakMap<AgentLink, Set<string>>();
  /**
   * Fresh uids already handed to a duplicate, keyed by link (WebSocket) or by address (HTTP), so
   * an agent that ignores new_instance_uid keeps getting the same one instead of a new record per
   * message.
   */
  readonly #reassigned = new Map<string, string>();
  readonly #activeWindowMs: number;
  readonly #now: () => number;
  readonly #isEstablished: (uid: string) => boolean;
  readonly #attributeLimits: AttributeLimits;
  readonly #storedStateComplete: boolean;

  constructor(
    private readonly fleet: Fleet,
    private readonly counters: SessionCounters = NOOP_COUNTERS,
    opts: SessionOptions = {},
  ) {
    this.#activeWindowMs = opts.duplicateActiveWindowMs ?? 15_000;
    this.#now = opts.now ?? Date.now;
    this.#isEstablished = opts.isEstablished ?? (() => false);
    this.#attributeLimits = opts.attributeLimits ?? DEFAULT_ATTRIBUTE_LIMITS;
    this.#storedStateComplete = opts.storedStateComplete ?? false;
    fleet.registry.events.on('rekeyed', (oldUid, agent) => {
      const st = this.#uids.get(oldUid);
      this.#uids.delete(oldUid);
      if (st) this.#uids.set(agent.uid, st);
    });
  }

  /** Answers one decoded AgentToServer that arrived on `link`. Never throws for agent input. */
  handle(link: AgentLink, msg: AgentToServer): ServerToAgent[] {
    this.counters.onMessage(link.transport);
    if (msg.instanceUid.length !== 16) {
      this.counters.onError('bad_instance_uid');
      return [badRequest(msg.instanceUid, `instance_uid must be 16 bytes, got ${msg.instanceUid.length}`)];
    }
    let uid = uidToString(msg.instanceUid);
    const bound = link.auth.boundAgentUid;
    if (bound !== undefined && bound !== uid) {
      this.counters.onError('credential_bound_elsewhere');
      return [badRequest(msg.instanceUid, 'the credential used by this connection belongs to another agent')];
    }

    // Sub-messages the agent repeats unchanged stay undecoded (src/protocol/agent-to-server.ts);
    // changed ones are decoded here, so undecodable bytes are refused before anything is stored.
    const known = this.fleet.registry.get(uid);
    const description = deferredDigest(msg, 'agentDescription');
    const checked = description !== undefined && description === known?.descriptionDigest; // passed these limits when merged
    let tooLarge: string | undefined;
    try {
      decodeDeferredUnless(msg, 'effectiveConfig', known?.effectiveConfigDigest);
      // Refused before anything is stored or re-keyed; the agent's previous description stays.
      tooLarge = !checked && msg.agentDescription ? descriptionProblem(msg.agentDescription, this.#attributeLimits) : undefined;
    } catch (err) {
      if (!(err instanceof MalformedMessageError)) throw err;
      this.counters.onError('undecodable');
      return [badRequest(msg.instanceUid, err.message)];
    }
    if (tooLarge !== undefined) {
      this.counters.onError('agent_description_too_large');
      return [badRequest(msg.instanceUid, tooLarge)];
    }

    const now = this.#now();
    const base = create(ServerToAgentSchema, { instanceUid: msg.instanceUid, capabilities: this.fleet.capabilities });

    // A new uid is assigned when the agent asks for one, when another live connection already
    // speaks for this uid (cloned VM, copied state file), or when this connection may not speak
    // for it at all (identity binding, below). The reply still echoes the old uid. A uid this link
    // (or address and credential) was already moved away from maps to the new one: an agent may
    // send messages with the old uid until it processes new_instance_uid, and those must not
    // recreate a record under the old uid.
    const memoKey = this.#memoKey(link, uid);
    let freshUid = this.#reassigned.get(memoKey);
    if (freshUid === undefined) {
      const claim = this.#claim(uid, link, bound === uid, (msg.flags & REQUEST_INSTANCE_UID) !== 0n, msg.sequenceNum, now);
      if (claim !== 'keep') {
        freshUid = uidToString(newUuidV7Bytes(now));
        if (claim === 'rekey') this.fleet.registry.rekey(uid, freshUid);
        if (this.#reassigned.size >= 10_000) this.#reassigned.clear();
        this.#reassigned.set(memoKey, freshUid);
      }
    }
    if (freshUid !== undefined) {
      base.agentIdentification = { $typeName: 'opamp.proto.v1.AgentIdentification', newInstanceUid: uidFromString(freshUid) };
      base.flags |= REPORT_FULL_STATE;
      uid = freshUid;
    }

    const st = this.#state(uid, now);
    const { agent } = this.fleet.registry.report(uid, msg, link.transport);
    if (link.canPush) {
      this.fleet.bindLink(uid, link);
      let carried = this.#linkUids.get(link);
      if (!carried) this.#linkUids.set(link, (carried = new Set()));
      carried.add(uid);
    }

    if (msg.agentDisconnect) {
      this.#forget(uid, link);
      return [base];
    }

    const refusal = this.fleet.runHooks(agent, msg);
    if (refusal !== undefined) {
      st.lastSeq = msg.sequenceNum;
      return [badRequest(msg.instanceUid, refusal)];
    }

    base.flags |= this.#fullStateFlags(agent, st, msg);
    st.lastSeq = msg.sequenceNum;
    st.lastMessageAt = now;
    return this.fleet.composeReplies(agent, base, link);
  }

  /** Called by a transport when a WebSocket closes: every uid it carried goes offline. */
  linkClosed(link: AgentLink): void {
    for (const uid of this.#linkUids.get(link) ?? []) this.#forget(uid, link);
    this.#linkUids.delete(link);
    if (this.#reassigned.size > 0) {
      const prefix = `link:${link.id}|`;
      for (const key of this.#reassigned.keys()) if (key.startsWith(prefix)) this.#reassigned.delete(key);
    }
  }

  #forget(uid: string, link: AgentLink): void {
    const wasBound = this.fleet.unbindLink(uid, link);
    if (wasBound || !link.canPush) this.fleet.registry.markDisconnected(uid);
  }

  #state(uid: string, now: number): UidState {
    let st = this.#uids.get(uid);
    if (!st) {
      st = { lastSeq: undefined, lastMessageAt: now, fullStateAskedEpoch: -1, componentsAskedEpoch: -1 };
      this.#uids.set(uid, st);
    }
    return st;
  }

  /**
   * What this message may do with the uid it names (OpAMP spec, Agent Identification: the server
   * may assign a new instance_uid at any time). Identity binding: a uid whose agent has its own
   * credential is used, re-keyed and displaced only by a connection presenting that credential
   * (`owner`); any other connection (enrollment token, or none) gets a fresh uid of its own and
   * the bound agent's record, credential, desired config and socket stay untouched, online or
   * offline. RequestInstanceUid moves the record only for the connection that holds the uid (or
   * any, while nobody holds it); otherwise the requester just gets a new identity.
   */
  #claim(uid: string, link: AgentLink, owner: boolean, requested: boolean, seq: bigint, now: number): 'keep' | 'fresh' | 'rekey' {
    if (!owner && this.#isEstablished(uid)) {
      this.counters.onError('bound_uid_claimed');
      return 'fresh';
    }
    const duplicate = this.#isDuplicate(uid, link, seq, now);
    if (duplicate) this.counters.onError('duplicate_instance_uid');
    if (requested) return duplicate ? 'fresh' : 'rekey';
    return duplicate ? 'fresh' : 'keep';
  }

  /**
   * Another open WebSocket holds this uid. It is the same agent reconnecting over WebSocket when
   * the sequence continues or when the old link has gone quiet (half-open socket): the newest
   * connection wins and the old one is closed. A plain-HTTP poll never displaces a WebSocket (an
   * agent does not switch transports while its socket lives). Otherwise two live agents share the
   * uid. Only called for connections that may speak for the uid (see #claim).
   */
  #isDuplicate(uid: string, link: AgentLink, seq: bigint, now: number): boolean {
    const holder = this.fleet.link(uid);
    if (!holder || holder === link) return false;
    if (!link.canPush) return true;
    const st = this.#uids.get(uid);
    const continues = st?.lastSeq !== undefined && seq === st.lastSeq + 1n;
    const quiet = st === undefined || now - st.lastMessageAt > this.#activeWindowMs;
    if (continues || quiet) {
      this.fleet.unbindLink(uid, holder);
      holder.close(1000, 'superseded by a newer connection for the same instance_uid');
      return false;
    }
    return true;
  }

  /**
   * Key of a uid reassignment: per WebSocket, or per address and credential for plain HTTP (so a
   * poll with an agent's own credential never inherits a reassignment made for another
   * credential's poll from the same address).
   */
  #memoKey(link: AgentLink, uid: string): string {
    if (link.canPush) return `link:${link.id}|${uid}`;
    return `addr:${link.remoteAddress}|${link.auth.credentialId ?? link.auth.method}|${uid}`;
  }

  /**
   * ReportFullState on a sequence gap (spec: "not exactly previous+1"), or when state implied by
   * the agent's capabilities is missing; the latter at most once per connection epoch so an agent
   * that never sends a field cannot cause a request loop. A repeated sequence number is a retry,
   * not a gap. An agent this process has not heard from yet whose message is not a full report (it
   * carries no agent description) is asked too, unless the stored records are known complete: after
   * a crash, or on a replica taking over another's agents, the stored record comes from batched
   * writes and may miss the agent's last moments (an APPLIED after an APPLYING), while the agent,
   * which only reconnected, continues its sequence as if nothing happened.
   */
  #fullStateFlags(agent: AgentRecord, st: UidState, msg: AgentToServer): bigint {
    let flags = 0n;
    const epoch = this.fleet.epoch(agent.uid);
    const seq = msg.sequenceNum;
    const gap = st.lastSeq !== undefined ? seq !== st.lastSeq + 1n && seq !== st.lastSeq : !this.#storedStateComplete && !isFullReport(msg);
    if (gap) flags |= REPORT_FULL_STATE;
    else if (isIncomplete(agent) && st.fullStateAskedEpoch !== epoch) {
      st.fullStateAskedEpoch = epoch;
      flags |= REPORT_FULL_STATE;
    }
    if (
      hasCapability(agent.capabilities, AgentCapabilities.AgentCapabilities_ReportsAvailableComponents) &&
      agent.componentDetailsMissing &&
      st.componentsAskedEpoch !== epoch
    ) {
      st.componentsAskedEpoch = epoch;
      flags |= REPORT_COMPONENTS;
    }
    return flags;
  }
}

/** The message carries the agent description (a full report), deferred or decoded. */
function isFullReport(msg: AgentToServer): boolean {
  return deferredDigest(msg, 'agentDescription') !== undefined || msg.agentDescription !== undefined;
}

/** Something the agent's capabilities promise is not in the record. */
function isIncomplete(a: AgentRecord): boolean {
  const caps = a.capabilities;
  return (
    a.description === undefined ||
    (hasCapability(caps, AgentCapabilities.AgentCapabilities_ReportsEffectiveConfig) && a.effectiveConfigJson === undefined) ||
    (hasCapability(caps, AgentCapabilities.AgentCapabilities_ReportsHealth) && a.healthJson === undefined) ||
    (hasCapability(caps, AgentCapabilities.AgentCapabilities_ReportsRemoteConfig) && a.remoteConfigStatus === undefined) ||
    (hasCapability(caps, AgentCapabilities.AgentCapabilities_ReportsPackageStatuses) && a.packageStatusesJson === undefined)
  );
}
