/**
 * @module Audit rows for refused actions, aggregated so a caller cannot grow the audit log at its
 * own request rate. The first refusal of a kind (same principal, action, request and reason) is
 * written at once as `policy.denied`; repeats within the window are counted, and when the window
 * ends one `policy.denied_repeated` row records how many there were, from when to when. No refusal
 * is lost: counts are written by the periodic flush (the engine's tick) and at shutdown.
 */
import type { UnitOfWork } from '../store/ports/store.js';
import type { AuditRecorder } from './audit.js';

interface Recent {
  readonly actor: string;
  readonly requestId: string | null;
  readonly data: Record<string, unknown>;
  readonly firstAt: number;
  suppressed: number;
  lastAt: number;
}

export interface DenialAuditOptions {
  /** Repeats of one refusal within this many ms are counted instead of written. Default 60000. */
  readonly windowMs?: number;
  /** Distinct refusals tracked at once; beyond it everything pending is written out. Default 10000. */
  readonly maxTracked?: number;
  readonly now?: () => number;
}

export class DenialAudit {
  readonly #recent = new Map<string, Recent>();
  readonly #windowMs: number;
  readonly #maxTracked: number;
  readonly #now: () => number;

  constructor(
    private readonly uow: UnitOfWork,
    private readonly audit: AuditRecorder,
    opts: DenialAuditOptions = {},
  ) {
    this.#windowMs = opts.windowMs ?? 60_000;
    this.#maxTracked = opts.maxTracked ?? 10_000;
    this.#now = opts.now ?? Date.now;
  }

  /**
   * Records one refusal. `data` holds at least the action and the reason; it is stored as is in
   * the first row of its kind.
   */
  record(actor: string, requestId: string | null, data: { readonly action: string; readonly reason: string } & Record<string, unknown>): void {
    const now = this.#now();
    const key = JSON.stringify([actor, data.action, requestId, data.reason]);
    const seen = this.#recent.get(key);
    if (seen && now - seen.firstAt < this.#windowMs) {
      seen.suppressed++;
      seen.lastAt = now;
      return;
    }
    if (this.#recent.size >= this.#maxTracked) this.flush(true);
    this.uow.durably(() => {
      if (seen) this.#writeRepeats(seen);
      this.audit.append(actor, 'policy.denied', requestId, data);
    });
    this.#recent.set(key, { actor, requestId, data, firstAt: now, suppressed: 0, lastAt: now });
  }

  /** Writes the counts of windows that ended (all of them with `all`) and forgets them. */
  flush(all = false): void {
    const now = this.#now();
    const due: Array<[string, Recent]> = [];
    for (const entry of this.#recent) if (all || now - entry[1].firstAt >= this.#windowMs) due.push(entry);
    if (due.length === 0) return;
    this.uow.durably(() => {
      for (const [, r] of due) if (r.suppressed > 0) this.#writeRepeats(r);
    });
    for (const [key] of due) this.#recent.delete(key);
  }

  #writeRepeats(r: Recent): void {
    this.audit.append(r.actor, 'policy.denied_repeated', r.requestId, {
      ...r.data,
      repeated: r.suppressed,
      from: new Date(r.firstAt).toISOString(),
      until: new Date(r.lastAt).toISOString(),
    });
  }
}
