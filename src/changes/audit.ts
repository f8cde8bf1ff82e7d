/**
 * @module The tamper-evident audit log. Every row stores the previous row's hash and its own hash
 * = sha256(prev_hash + canonical JSON of {seq, at, actor, action, requestId, data}), so editing,
 * removing or reordering a row breaks the chain from that row on. Rows are appended inside the
 * same transaction as the state change they record. Rows hold fingerprints, never secrets.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../shared/canonical-json.js';
import type { AuditQuery, AuditStore, AuditRow } from '../store/ports/audit.js';

/** prev_hash of the first row. */
export const GENESIS_HASH = '0'.repeat(64);

export type AuditAction =
  | 'change.proposed'
  | 'change.approved'
  | 'change.rejected'
  | 'change.cancelled'
  | 'change.expired'
  | 'change.held'
  | 'change.released'
  | 'change.execution_started'
  | 'change.execution_resumed'
  | 'change.drift_refused'
  | 'change.outcome'
  | 'change.result'
  | 'policy.denied'
  | 'policy.denied_repeated'
  | 'token.created'
  | 'token.revoked'
  | 'enrollment.created'
  | 'enrollment.revoked'
  | 'config.version_added';

/** Appends audit rows; call it inside the transaction of the change it records. */
export interface AuditRecorder {
  append(actor: string, action: AuditAction, requestId: string | null, data: Record<string, unknown>): AuditEntry;
}

/** One audit row as exported (JSONL) and verified. */
export interface AuditEntry {
  readonly seq: number;
  readonly at: string;
  /** principalKey of who acted, or "system" (sweeper, recovery, executors). */
  readonly actor: string;
  readonly action: string;
  readonly requestId: string | null;
  readonly data: Record<string, unknown>;
  readonly prevHash: string;
  readonly hash: string;
}

export type VerifyResult =
  | { readonly ok: true; readonly count: number; readonly head: { readonly seq: number; readonly hash: string } | null; readonly note?: string }
  | { readonly ok: false; readonly count: number; readonly brokenAt: number; readonly reason: string };

/** The hash of a row given its predecessor's hash: the one formula, documented in docs/changes.md. */
export function auditHash(prevHash: string, e: Pick<AuditEntry, 'seq' | 'at' | 'actor' | 'action' | 'requestId' | 'data'>): string {
  return storedAuditHash(prevHash, e, canonicalJson(e.data));
}

/**
 * The same formula over the data column exactly as stored: the hashed text is the canonical JSON
 * of {action, actor, at, data, requestId, seq} (keys sorted) with the stored bytes spliced in for
 * `data`. For a row ampgate wrote, the stored text is the canonical JSON of the data, so this
 * equals auditHash; a stored text that differs in any byte (a duplicate key that JSON.parse would
 * hide while SQL readers see it, reordered keys, whitespace) no longer matches.
 */
function storedAuditHash(prevHash: string, e: Pick<AuditEntry, 'seq' | 'at' | 'actor' | 'action' | 'requestId'>, dataText: string): string {
  const j = JSON.stringify;
  const content = `{"action":${j(e.action)},"actor":${j(e.actor)},"at":${j(e.at)},"data":${dataText},"requestId":${j(e.requestId)},"seq":${j(e.seq)}}`;
  return createHash('sha256')
    .update(prevHash + content)
    .digest('hex');
}

export class AuditLog implements AuditRecorder {
  readonly #repo: AuditStore;
  readonly #now: () => number;

  constructor(repo: AuditStore, now: () => number = Date.now) {
    this.#repo = repo;
    this.#now = now;
  }

  /**
   * Appends one row. Call it inside the transaction that makes the change, so the row and the
   * change commit (or roll back) together.
   */
  append(actor: string, action: AuditAction, requestId: string | null, data: Record<string, unknown>): AuditEntry {
    const head = this.#repo.head();
    const seq = (head?.seq ?? 0) + 1;
    const prevHash = head?.hash ?? GENESIS_HASH;
    // Round-trip through canonical JSON so the hashed value is exactly what is stored and re-read.
    const text = canonicalJson(data);
    const stored = JSON.parse(text) as Record<string, unknown>;
    const at = new Date(this.#now()).toISOString();
    const entry: AuditEntry = { seq, at, actor, action, requestId, data: stored, prevHash, hash: '' };
    const hash = auditHash(prevHash, entry);
    this.#repo.insert({ seq, at, actor, action, request_id: requestId, data: text, prev_hash: prevHash, hash });
    return { ...entry, hash };
  }

  list(q: AuditQuery = {}): AuditEntry[] {
    return this.#repo.list(q).map(rowToEntry);
  }

  /** Checks the whole chain from seq 1, hashing the data column as stored. */
  verify(): VerifyResult {
    return verifyStored(
      mapIter(this.#repo.iterate(), (r) => ({ entry: rowToEntry(r), dataText: r.data })),
      { fromGenesis: true },
    );
  }

  /** The newest row's seq and hash (what a checkpoint anchors), or undefined for an empty log. */
  head(): { seq: number; hash: string } | undefined {
    return this.#repo.head();
  }

  /** The stored hash of row `seq`, or undefined when there is no such row. */
  hashAt(seq: number): string | undefined {
    return this.#repo.bySeq(seq)?.hash;
  }

  /**
   * Every row after `after`, in order, as JSON lines (for `ampgate audit export`). Reads in pages,
   * so a consumer may pause between lines without holding a statement open on the connection.
   */
  *exportJsonl(after = 0, pageSize = 1000): Generator<string> {
    for (;;) {
      const page = this.#repo.list({ after, limit: pageSize });
      for (const row of page) yield toJsonl(rowToEntry(row));
      if (page.length < pageSize) return;
      after = page.at(-1)!.seq;
    }
  }
}

export function toJsonl(e: AuditEntry): string {
  return JSON.stringify(e);
}

/** Converts a stored row; an unparseable data column is kept as a marker the verifier reports. */
function rowToEntry(r: AuditRow): AuditEntry {
  let data: Record<string, unknown>;
  try {
    data = JSON.parse(r.data) as Record<string, unknown>;
  } catch {
    data = { __unparseable: r.data };
  }
  return { seq: r.seq, at: r.at, actor: r.actor, action: r.action, requestId: r.request_id, data, prevHash: r.prev_hash, hash: r.hash };
}

/**
 * Verifies a sequence of entries (an exported JSONL file: the data is hashed in its canonical
 * form). With `fromGenesis` the first row must be seq 1 chained to the genesis hash; without it
 * (a partial export) the first row's prev_hash is taken as the anchor. Returns the first broken
 * seq with the reason.
 */
export function verifyEntries(entries: Iterable<AuditEntry>, opts: { fromGenesis: boolean }): VerifyResult {
  return verifyStored(
    mapIter(entries, (entry) => ({ entry, dataText: canonicalJson(entry.data) })),
    opts,
  );
}

function verifyStored(items: Iterable<{ readonly entry: AuditEntry; readonly dataText: string }>, opts: { fromGenesis: boolean }): VerifyResult {
  let prev: AuditEntry | undefined;
  let count = 0;
  let note: string | undefined;
  for (const { entry: e, dataText } of items) {
    const broken = (reason: string): VerifyResult => ({ ok: false, count, brokenAt: e.seq, reason });
    if (prev === undefined) {
      if (opts.fromGenesis && e.seq !== 1) return broken(`the log starts at seq ${e.seq}, expected 1: the first rows were removed`);
      if (opts.fromGenesis && e.prevHash !== GENESIS_HASH) return broken('the first row is not chained to the genesis hash');
      if (!opts.fromGenesis && e.seq !== 1) note = `partial log: starts at seq ${e.seq}, anchored on its prev_hash ${e.prevHash}`;
    } else {
      if (e.seq !== prev.seq + 1) return broken(`seq ${e.seq} follows seq ${prev.seq}: rows are missing or out of order`);
      if (e.prevHash !== prev.hash) return broken(`prev_hash does not match the hash of seq ${prev.seq}: a row was removed, inserted or rewritten`);
    }
    if ('__unparseable' in e.data) return broken('the data column is not valid JSON: the row was edited');
    if (storedAuditHash(e.prevHash, e, dataText) !== e.hash) return broken('the row content does not match its hash: the row was edited');
    prev = e;
    count++;
  }
  const head = prev ? { seq: prev.seq, hash: prev.hash } : null;
  return note === undefined ? { ok: true, count, head } : { ok: true, count, head, note };
}

function* mapIter<A, B>(it: Iterable<A>, f: (a: A) => B): Generator<B> {
  for (const a of it) yield f(a);
}
