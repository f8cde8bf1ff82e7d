/**
 * @module The change feed between replicas: every PostgreSQL repository write names the rows it
 * touched (a topic and keys, e.g. `attempt` + agent uids); the notes of one transaction are sent
 * with `pg_notify` inside it, so they are delivered after its commit, in commit order, and never
 * for a transaction that rolled back. Payloads stay under PostgreSQL's 8000-byte limit; a note
 * with too many keys becomes "everything of this topic changed".
 */
import type { FeedTopic } from '../ports/cluster.js';

/** Keys per payload before a note is sent as "all" instead. */
const MAX_KEYS = 2_000;
/** Bytes of one payload (PostgreSQL refuses 8000 and more). */
const MAX_PAYLOAD = 7_800;

export interface FeedMessage {
  /** Replica that wrote (its own notes are skipped by its listener). */
  readonly origin: string;
  readonly topic: FeedTopic;
  /** The keys that changed, or 'all'. */
  readonly keys: readonly string[] | 'all';
}

/** Notes of one transaction: topic -> keys. */
export class Notes {
  readonly #byTopic = new Map<FeedTopic, Set<string> | 'all'>();

  add(topic: FeedTopic, keys: Iterable<string> | 'all'): void {
    const have = this.#byTopic.get(topic);
    if (have === 'all') return;
    if (keys === 'all') {
      this.#byTopic.set(topic, 'all');
      return;
    }
    const set = have ?? new Set<string>();
    for (const k of keys) set.add(k);
    this.#byTopic.set(topic, set.size > MAX_KEYS ? 'all' : set);
  }

  get size(): number {
    return this.#byTopic.size;
  }

  /** The pg_notify payloads, each under the size limit. */
  encode(origin: string): string[] {
    const out: string[] = [];
    for (const [topic, keys] of this.#byTopic) {
      if (keys === 'all') {
        out.push(JSON.stringify({ o: origin, t: topic, k: 'all' }));
        continue;
      }
      let chunk: string[] = [];
      let size = 64 + origin.length + topic.length;
      const flush = () => {
        if (chunk.length > 0) out.push(JSON.stringify({ o: origin, t: topic, k: chunk }));
        chunk = [];
        size = 64 + origin.length + topic.length;
      };
      for (const k of keys) {
        if (size + k.length + 3 > MAX_PAYLOAD) flush();
        chunk.push(k);
        size += JSON.stringify(k).length + 1;
      }
      flush();
    }
    return out;
  }
}

/** Parses a payload; undefined for anything that is not a feed message. */
export function decodeFeed(payload: string | undefined): FeedMessage | undefined {
  if (!payload) return undefined;
  try {
    const m = JSON.parse(payload) as { o?: unknown; t?: unknown; k?: unknown };
    if (typeof m.o !== 'string' || typeof m.t !== 'string') return undefined;
    const keys = m.k === 'all' ? 'all' : Array.isArray(m.k) && m.k.every((k) => typeof k === 'string') ? (m.k as string[]) : undefined;
    if (keys === undefined) return undefined;
    return { origin: m.o, topic: m.t as FeedTopic, keys };
  } catch {
    return undefined;
  }
}
