/**
 * @module Maps stored change rows to ChangeRequest. Outcomes are loaded lazily (a request can have
 * 10k) so events and list views do not pay for them unless they are read.
 */
import type { ApprovalRow, ChangeRow, ChangesStore } from '../store/ports/changes.js';
import type { Principal } from './principal.js';
import type { ApprovalRecord, ChangeRequest } from './types.js';

const iso = (ms: number) => new Date(ms).toISOString();

export class ChangeRequests {
  constructor(private readonly store: ChangesStore) {}

  /** The full request; `outcomes` is read from the store on first access. */
  load(id: number): ChangeRequest | undefined {
    const row = this.store.row(id);
    return row && this.toRequest(row);
  }

  toRequest(row: ChangeRow): ChangeRequest {
    const approvals = this.store.approvals(row.id).map(toApproval);
    const req = {
      id: String(row.id),
      kind: row.kind,
      state: row.state,
      requester: JSON.parse(row.requester) as Principal,
      channel: row.channel,
      llmOriginated: row.llm_originated === 1,
      reason: row.reason,
      target: JSON.parse(row.target) as ChangeRequest['target'],
      params: JSON.parse(row.params) as Record<string, unknown>,
      payloadFingerprint: row.payload_fingerprint,
      fingerprint: row.fingerprint,
      risk: row.risk,
      requiredApprovals: row.required_approvals,
      approvals,
      idempotencyKey: row.idempotency_key,
      createdAt: iso(row.created_at),
      expiresAt: iso(row.expires_at),
      updatedAt: iso(row.updated_at),
      resultSummary: row.result_summary,
      hold: row.held_reason === null ? null : { reason: row.held_reason, until: row.held_until === null ? null : iso(row.held_until) },
    };
    // Large parts (10k target uids, diffs, outcomes) are materialised on first read only, so the
    // snapshots the engine takes at every step cost a row read, not a parse of everything.
    lazy(req, 'targets', () => JSON.parse(row.targets) as string[]);
    lazy(req, 'ineligible', () => JSON.parse(row.ineligible) as ChangeRequest['ineligible']);
    lazy(req, 'preview', () => JSON.parse(row.preview) as ChangeRequest['preview']);
    lazy(req, 'outcomes', () => this.store.outcomes(row.id).map((o) => ({ uid: o.uid, status: o.status, detail: o.detail, at: iso(o.at) })));
    return req as unknown as ChangeRequest;
  }
}

/** An enumerable (so JSON includes it), read-only property computed once on first access. */
function lazy<T>(obj: object, key: string, compute: () => T): void {
  let value: T | undefined;
  let done = false;
  Object.defineProperty(obj, key, {
    enumerable: true,
    get: () => {
      if (!done) {
        value = compute();
        done = true;
      }
      return value;
    },
  });
}

function toApproval(a: ApprovalRow): ApprovalRecord {
  return { principal: JSON.parse(a.principal) as Principal, decision: a.decision, comment: a.comment, fingerprint: a.fingerprint, at: iso(a.at) };
}
