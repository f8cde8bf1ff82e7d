/** @module JSON with object keys sorted at every level, for hashing (audit rows, fingerprints, idempotency keys). */

export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      return Object.fromEntries(
        Object.keys(v as object)
          .sort()
          .map((k) => [k, (v as Record<string, unknown>)[k]]),
      );
    }
    return typeof v === 'bigint' ? v.toString() : v;
  });
}
