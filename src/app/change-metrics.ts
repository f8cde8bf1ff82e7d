/**
 * @module Change-request and rollout metrics, fed by the engine's committed events (so a counter
 * moves only for what happened): proposals, decisions (approved, rejected, expired, cancelled),
 * the time to the last approval, executions started and finished, their duration and per-agent
 * outcomes. Labels: kind, and channel = the channel the request was proposed through.
 */
import type { Metrics } from '../api/metrics.js';
import type { ChangeEvent, ChangeService } from '../changes/types.js';

const DECISIONS = new Set(['approved', 'rejected', 'expired', 'cancelled']);
const RESULTS = new Set(['succeeded', 'partially_failed', 'failed']);

export function observeChanges(changes: Pick<ChangeService, 'subscribe'>, metrics: Metrics, now: () => number = Date.now): () => void {
  /** When each execution started here (a resumed one has no entry and is not timed). */
  const started = new Map<string, number>();
  return changes.subscribe((e: ChangeEvent) => {
    const r = e.request;
    const kind = r.kind;
    if (e.type === 'proposed') {
      metrics.changesProposed.inc({ kind, channel: r.channel });
      return;
    }
    if (e.type === 'outcome') {
      metrics.rolloutAgentOutcomes.inc({ kind, status: e.outcome.status });
      return;
    }
    if (e.type !== 'state') return;
    const to = r.state;
    if (e.from === 'pending' && DECISIONS.has(to)) {
      metrics.changesDecided.inc({ kind, channel: r.channel, decision: to });
      if (to === 'approved') metrics.approvalSeconds.observe({ kind, risk: r.risk }, Math.max(0, now() - Date.parse(r.createdAt)) / 1000);
    } else if (e.from === 'approved' && (to === 'expired' || to === 'cancelled' || to === 'rejected')) {
      // Approved but held by a change freeze, then ended (already counted as approved).
      metrics.changesDecided.inc({ kind, channel: r.channel, decision: to });
    }
    if (to === 'executing' && e.from !== 'executing') {
      metrics.rolloutsStarted.inc({ kind });
      started.set(r.id, now());
    }
    if (e.from === 'executing' && RESULTS.has(to)) {
      metrics.rolloutsFinished.inc({ kind, result: to });
      const at = started.get(r.id);
      started.delete(r.id);
      if (at !== undefined) metrics.rolloutSeconds.observe({ kind }, (now() - at) / 1000);
    }
  });
}
