/**
 * @module Reads the server's Prometheus /metrics (text format 0.0.4): enough parsing to sum a
 * metric over its label sets.
 */

export class PromSnapshot {
  constructor(
    /** Series key (`name` or `name{labels}`) to value. */
    readonly series: ReadonlyMap<string, number>,
    readonly at: number,
  ) {}

  static parse(text: string, at = Date.now()): PromSnapshot {
    const series = new Map<string, number>();
    for (const line of text.split('\n')) {
      if (line === '' || line.startsWith('#')) continue;
      const sp = line.lastIndexOf(' ');
      if (sp <= 0) continue;
      const value = Number(line.slice(sp + 1));
      if (!Number.isNaN(value)) series.set(line.slice(0, sp), value);
    }
    return new PromSnapshot(series, at);
  }

  /** Sum of `name` over all label sets whose labels contain every `match` pair; 0 when absent. */
  sum(name: string, match: Record<string, string> = {}): number {
    let total = 0;
    const wanted = Object.entries(match).map(([k, v]) => `${k}="${v}"`);
    for (const [key, value] of this.series) {
      if (key !== name && !key.startsWith(`${name}{`)) continue;
      if (wanted.every((w) => key.includes(w))) total += value;
    }
    return total;
  }

  get(name: string): number | undefined {
    return this.series.get(name);
  }
}

export async function scrape(controlUrl: string, timeoutMs = 5_000): Promise<PromSnapshot> {
  const res = await fetch(`${controlUrl}/metrics`, { signal: AbortSignal.timeout(timeoutMs) });
  if (!res.ok) throw new Error(`GET /metrics: HTTP ${res.status}`);
  return PromSnapshot.parse(await res.text());
}

export async function healthz(controlUrl: string, timeoutMs = 5_000): Promise<{ known: number; connected: number }> {
  const res = await fetch(`${controlUrl}/healthz`, { signal: AbortSignal.timeout(timeoutMs) });
  if (!res.ok) throw new Error(`GET /healthz: HTTP ${res.status}`);
  const body = (await res.json()) as { agents: { known: number; connected: number } };
  return body.agents;
}
