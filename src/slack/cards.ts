/**
 * @module Approval cards in the approvals channel, kept in sync with their change request: posted
 * on proposal, updated in place (debounced, within chat.update rate limits) as approvals, state
 * changes and per-agent outcomes arrive, with state changes and progress as thread replies (a
 * rollout's replies count its agents per stage). Card locations are persisted so cards keep
 * updating after a restart.
 */
import type { WebClient } from '@slack/web-api';
import type { ChangeEvent, ChangeRequest } from '../changes/types.js';
import type { Logger } from '../shared/log.js';
import { fitMessageText } from './block-limits.js';
import { approvalCard, cardText, esc, escBlock, shortId } from './blocks.js';

export interface CardStore {
  get(changeId: string): { channel: string; ts: string } | undefined;
  put(changeId: string, channel: string, ts: string): void;
}

/** Per-stage counts of a rollout (FleetActions.rolloutView), for thread replies. */
export interface RolloutStages {
  readonly stage: number;
  readonly stageCount: number;
  readonly state: string;
  readonly stages: ReadonlyArray<{ readonly stage: number; readonly total: number; readonly outcomes: Readonly<Record<string, number>> }>;
}
export type RolloutReader = (changeId: string) => RolloutStages | undefined;

const TERMINAL = new Set(['succeeded', 'partially_failed', 'failed', 'rejected', 'expired', 'cancelled']);

export class CardPublisher {
  /** One promise chain per change request keeps Slack calls for it in order. */
  readonly #chains = new Map<string, Promise<void>>();
  readonly #pendingUpdate = new Map<string, { request: ChangeRequest; timer: NodeJS.Timeout }>();

  constructor(
    private readonly client: WebClient,
    private readonly store: CardStore,
    private readonly channel: string | undefined,
    private readonly logger: Logger,
    private readonly debounceMs = 1_000,
    private readonly rollouts?: RolloutReader,
  ) {}

  onEvent(e: ChangeEvent): void {
    if (!this.channel) return;
    const id = e.request.id;
    switch (e.type) {
      case 'proposed':
        this.#enqueue(id, () => this.#post(e.request));
        break;
      case 'approval':
        this.#enqueue(id, () => this.#update(e.request));
        this.#enqueue(id, () =>
          this.#thread(
            e.request,
            `${e.approval.decision === 'approve' ? ':white_check_mark: Approved' : ':no_entry: Rejected'} by ${esc(e.approval.principal.name)} ` +
              `(${e.approval.principal.kind})${e.approval.comment ? `: ${esc(e.approval.comment)}` : ''}`,
          ),
        );
        break;
      case 'state': {
        this.#cancelDebounce(id);
        const text = [stateLine(e.request), ...this.#stages(id)].join('\n');
        this.#enqueue(id, () => this.#update(e.request));
        this.#enqueue(id, () => this.#thread(e.request, text));
        break;
      }
      case 'progress': {
        // The counts as of this event, not of whenever Slack gets the reply.
        const text = [escBlock(e.message), ...this.#stages(id)].join('\n');
        this.#enqueue(id, () => this.#thread(e.request, text));
        break;
      }
      case 'outcome':
        this.#debounce(e.request);
        break;
    }
  }

  /** Waits for queued Slack calls (shutdown, tests). */
  async flush(): Promise<void> {
    for (const { request, timer } of this.#pendingUpdate.values()) {
      clearTimeout(timer);
      this.#enqueue(request.id, () => this.#update(request));
    }
    this.#pendingUpdate.clear();
    await Promise.all(this.#chains.values());
  }

  /** "Stage 1/2 (canary): 1 agent · succeeded 1" per stage, as the rollout stands now. */
  #stages(changeId: string): string[] {
    let view: RolloutStages | undefined;
    try {
      view = this.rollouts?.(changeId);
    } catch (err) {
      this.logger.warn({ err, change: changeId }, 'rollout progress unavailable for the Slack thread');
    }
    if (!view || view.stages.length === 0) return [];
    return view.stages.map((s) => {
      const counts = Object.entries(s.outcomes)
        .filter(([, n]) => n > 0)
        .map(([status, n]) => `${status} ${n}`)
        .join(' · ');
      const canary = view.stageCount > 1 && s.stage === 1 ? ' (canary)' : '';
      const current = view.state === 'running' && s.stage === view.stage ? ' ◀ current' : '';
      return `• Stage ${s.stage}/${view.stageCount}${canary}: ${s.total} agent${s.total === 1 ? '' : 's'} · ${counts || 'nothing yet'}${current}`;
    });
  }

  #enqueue(id: string, fn: () => Promise<void>): void {
    const prev = this.#chains.get(id) ?? Promise.resolve();
    const next = prev.then(fn).catch((err: unknown) => this.logger.warn({ err, change: id }, 'slack card update failed'));
    this.#chains.set(id, next);
    void next.then(() => {
      if (this.#chains.get(id) === next) this.#chains.delete(id);
    });
  }

  #debounce(request: ChangeRequest): void {
    const existing = this.#pendingUpdate.get(request.id);
    if (existing) {
      existing.request = request;
      return;
    }
    const timer = setTimeout(() => {
      const entry = this.#pendingUpdate.get(request.id);
      this.#pendingUpdate.delete(request.id);
      if (entry) this.#enqueue(request.id, () => this.#update(entry.request));
    }, this.debounceMs);
    timer.unref();
    this.#pendingUpdate.set(request.id, { request, timer });
  }

  #cancelDebounce(id: string): void {
    const entry = this.#pendingUpdate.get(id);
    if (entry) clearTimeout(entry.timer);
    this.#pendingUpdate.delete(id);
  }

  async #post(r: ChangeRequest): Promise<void> {
    if (this.store.get(r.id)) return;
    const res = await this.client.chat.postMessage({ channel: this.channel!, text: fitMessageText(cardText(r)), blocks: approvalCard(r) as never });
    if (res.ts && res.channel) this.store.put(r.id, res.channel, res.ts);
  }

  async #update(r: ChangeRequest): Promise<void> {
    const card = this.store.get(r.id);
    if (!card) return this.#post(r);
    await this.client.chat.update({ channel: card.channel, ts: card.ts, text: fitMessageText(cardText(r)), blocks: approvalCard(r) as never });
  }

  async #thread(r: ChangeRequest, text: string): Promise<void> {
    const card = this.store.get(r.id);
    if (!card) return;
    await this.client.chat.postMessage({ channel: card.channel, thread_ts: card.ts, text: fitMessageText(text) });
  }
}

function stateLine(r: ChangeRequest): string {
  const counts: Record<string, number> = {};
  for (const o of r.outcomes) counts[o.status] = (counts[o.status] ?? 0) + 1;
  const tally = Object.entries(counts)
    .map(([s, n]) => `${s} ${n}`)
    .join(' · ');
  const failed = r.outcomes.filter((o) => o.status === 'failed').slice(0, 10);
  const lines = [`Change \`${shortId(r.id)}\` is now *${r.state}*${r.resultSummary ? `: ${esc(r.resultSummary)}` : ''}`];
  if (tally && (TERMINAL.has(r.state) || r.state === 'executing')) lines.push(`Agents: ${tally}`);
  for (const f of failed) lines.push(`• \`${f.uid}\` failed: ${esc(f.detail)}`);
  return lines.join('\n');
}
