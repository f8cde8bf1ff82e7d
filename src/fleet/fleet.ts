/**
 * @module The fleet façade: registry + live links + offer providers. Domain modules register offer
 * providers and call `nudge` after desired state changes; the OpAMP session calls `composeReplies`
 * to answer each AgentToServer.
 */
import { create } from '@bufbuild/protobuf';
import { ServerToAgentSchema, type AgentToServer, type ServerToAgent } from '../gen/opamp/v1/opamp_pb.js';
import { uidFromString } from '../protocol/uid.js';
import type { AgentRecord } from './agent-state.js';
import type { AgentLink } from './link.js';
import { hasPayload, type MessageHook, type OfferProvider, type OutboundContext } from './offers.js';
import type { AgentRegistry } from './registry.js';

export class Fleet {
  readonly #links = new Map<string, AgentLink>();
  readonly #epochs = new Map<string, number>();
  /** uid -> id of the WebSocket link bound last (an id, not the link: closed links are not kept). */
  readonly #boundIds = new Map<string, number>();
  readonly #commandProviders: OfferProvider[] = [];
  readonly #offerProviders: OfferProvider[] = [];
  readonly #hooks: MessageHook[] = [];
  #sweepTimer: NodeJS.Timeout | undefined;

  /**
   * @param capabilities the ServerCapabilities bitmask put into every ServerToAgent (decided by the
   * composition root from what this deployment fulfils).
   */
  constructor(
    readonly registry: AgentRegistry,
    readonly capabilities: bigint,
  ) {
    registry.events.on('connected', (a) => this.#epochs.set(a.uid, (this.#epochs.get(a.uid) ?? 0) + 1));
    registry.events.on('rekeyed', (oldUid, a) => {
      const link = this.#links.get(oldUid);
      this.#links.delete(oldUid);
      if (link) this.#links.set(a.uid, link);
      this.#epochs.set(a.uid, (this.#epochs.get(oldUid) ?? 0) + 1);
      this.#epochs.delete(oldUid);
      this.#boundIds.delete(oldUid);
    });
  }

  addProvider(p: OfferProvider): void {
    (p.phase === 'command' ? this.#commandProviders : this.#offerProviders).push(p);
  }

  addMessageHook(hook: MessageHook): void {
    this.#hooks.push(hook);
  }

  /**
   * Runs message hooks after a report was merged. Returns the first refusal, which the session
   * turns into an error_response BadRequest.
   */
  runHooks(agent: AgentRecord, msg: AgentToServer): string | undefined {
    for (const hook of this.#hooks) {
      const refusal = hook(agent, msg);
      if (refusal !== undefined) return refusal;
    }
    return undefined;
  }

  /**
   * Marks HTTP agents offline when they have not polled for `timeoutMs`. WebSocket agents go
   * offline when their socket closes (dead sockets are found by ping/pong in the transport).
   */
  startLivenessSweep(timeoutMs: number, everyMs = 5_000, now: () => number = Date.now): void {
    this.#sweepTimer = setInterval(() => {
      const limit = now() - timeoutMs;
      for (const a of this.registry.all()) {
        if (a.connected && a.transport === 'http' && a.lastSeen < limit) this.registry.markDisconnected(a.uid);
      }
    }, everyMs);
    this.#sweepTimer.unref();
  }

  stop(): void {
    clearInterval(this.#sweepTimer);
  }

  epoch(uid: string): number {
    return this.#epochs.get(uid) ?? 0;
  }

  /** The live WebSocket link of an agent, if any. */
  link(uid: string): AgentLink | undefined {
    const l = this.#links.get(uid);
    return l?.isOpen ? l : undefined;
  }

  bindLink(uid: string, link: AgentLink): void {
    if (!link.canPush) return;
    // A connection other than the last one bound is a new connection, also when the agent never
    // looked disconnected (its old socket half-open, or its close not processed yet, when the new
    // one superseded it): a new epoch, so what is due once per connection (a pause, a full-state
    // request) is sent on it again.
    const last = this.#boundIds.get(uid);
    if (last !== undefined && last !== link.id) this.#epochs.set(uid, (this.#epochs.get(uid) ?? 0) + 1);
    this.#boundIds.set(uid, link.id);
    this.#links.set(uid, link);
  }

  /** Forgets the link if it is still the one bound to `uid`; returns whether it was. */
  unbindLink(uid: string, link: AgentLink): boolean {
    if (this.#links.get(uid) !== link) return false;
    this.#links.delete(uid);
    return true;
  }

  /**
   * Builds the answer(s) to an AgentToServer. `base` already holds instance_uid, capabilities and
   * any protocol flags. A link that cannot push (plain HTTP) gets exactly one message (a due command
   * wins and the rest waits for the next poll); otherwise a due command follows the reply in a second
   * message.
   */
  composeReplies(agent: AgentRecord, base: ServerToAgent, link: AgentLink): ServerToAgent[] {
    const ctx: OutboundContext = { reason: 'reply', link, epoch: this.epoch(agent.uid) };
    // An HTTP reply that assigns a new uid must not be displaced by a command; the command is
    // then derived again on the next poll.
    const mayCommand = link.canPush || base.agentIdentification === undefined;
    const command = mayCommand ? this.#command(agent, base.instanceUid, ctx) : undefined;
    if (command && !link.canPush) return [command];
    for (const p of this.#offerProviders) p.contribute(agent, base, ctx);
    return command ? [base, command] : [base];
  }

  /**
   * Pushes whatever is due to a WebSocket-connected agent now. HTTP and offline agents get it with
   * their next message. Returns the number of messages written.
   */
  nudge(uid: string): number {
    const agent = this.registry.get(uid);
    const link = this.link(uid);
    if (!agent || !link) return 0;
    const uidBytes = uidFromString(uid);
    const ctx: OutboundContext = { reason: 'push', link, epoch: this.epoch(uid) };
    let sent = 0;
    const command = this.#command(agent, uidBytes, ctx);
    const msg = create(ServerToAgentSchema, { instanceUid: uidBytes, capabilities: this.capabilities });
    for (const p of this.#offerProviders) p.contribute(agent, msg, ctx);
    if (hasPayload(msg) && link.push(msg)) sent++;
    if (command && link.push(command)) sent++;
    return sent;
  }

  /** Closes an agent's WebSocket (e.g. to make it reconnect with new credentials). */
  disconnect(uid: string, code = 1000, reason = 'closed by server'): boolean {
    const link = this.link(uid);
    if (!link) return false;
    link.close(code, reason);
    return true;
  }

  #command(agent: AgentRecord, uidBytes: Uint8Array, ctx: OutboundContext): ServerToAgent | undefined {
    if (this.#commandProviders.length === 0) return undefined;
    const msg = create(ServerToAgentSchema, { instanceUid: uidBytes, capabilities: this.capabilities });
    for (const p of this.#commandProviders) {
      p.contribute(agent, msg, ctx);
      if (msg.command) return msg;
    }
    return undefined;
  }
}
