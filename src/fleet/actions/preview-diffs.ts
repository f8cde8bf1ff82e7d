/**
 * @module Diffs for approval previews, grouped by identical current effective config, so 500
 * agents running the same config show one diff. Groups are ordered by size; beyond `maxGroups` the
 * remaining agents are folded into one note.
 */
import type { AgentRecord } from '../agent-state.js';
import { effectiveFiles } from '../configs/catalog.js';
import { diffConfigs } from '../configs/diff.js';
import type { ConfigFiles } from '../configs/hash.js';

export function groupedDiffs(
  agents: readonly AgentRecord[],
  after: ConfigFiles,
  afterLabel: string,
  maxGroups = 20,
): Array<{ agents: string[]; diff: string }> {
  const groups = new Map<string, AgentRecord[]>();
  for (const a of agents) {
    const key = a.effectiveConfigHash ?? '(none)';
    let g = groups.get(key);
    if (!g) groups.set(key, (g = []));
    g.push(a);
  }
  const sorted = [...groups.values()].sort((x, y) => y.length - x.length || (x[0]!.uid < y[0]!.uid ? -1 : 1));
  const out = sorted.slice(0, maxGroups).map((g) => {
    const before = effectiveFiles(g[0]!);
    const beforeLabel =
      before === undefined ? 'current (no effective config reported)' : `current effective config (${g[0]!.effectiveConfigHash!.slice(0, 12)})`;
    const diff = diffConfigs(beforeLabel, before, afterLabel, after);
    return { agents: g.map((a) => a.uid), diff: diff === '' ? '(no change: identical to the current effective config)\n' : diff };
  });
  const rest = sorted.slice(maxGroups).flat();
  if (rest.length > 0) out.push({ agents: rest.map((a) => a.uid), diff: `(${sorted.length - maxGroups} more distinct current configs not shown)\n` });
  return out;
}
