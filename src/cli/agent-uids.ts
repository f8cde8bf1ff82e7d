/**
 * @module Agent uids typed on the command line: a full UUID is used as it is; anything shorter is
 * a prefix, resolved through the REST API to the one agent whose uid starts with it. No match or
 * several matches is an error that says so (with the candidates), never a guess.
 */
import type { ApiClient } from '../api/client.js';
import { UsageError } from './errors.js';

const FULL_UID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Candidates fetched per prefix; more matches than this are reported as "at least". */
const PAGE = 500;
const SHOWN = 5;

export async function resolveAgentUid(client: ApiClient, input: string): Promise<string> {
  const text = input.trim().toLowerCase();
  if (FULL_UID.test(text)) return text;
  if (!/^[0-9a-f-]+$/.test(text)) throw new UsageError(`"${input}" is not an agent uid or uid prefix (hex digits and dashes)`);
  const q = new URLSearchParams({ q: text, limit: String(PAGE) });
  const res = await client.get<{ total: number; agents: Array<{ uid: string }> }>(`/api/agents?${q}`);
  const matches = res.agents.map((a) => a.uid).filter((uid) => uid.startsWith(text));
  if (matches.length === 1) return matches[0]!;
  if (matches.length === 0) throw new UsageError(`no agent uid starts with "${input}" (list them with \`ampgate agents\`)`);
  const more = res.total > res.agents.length ? 'at least ' : '';
  throw new UsageError(
    `"${input}" matches ${more}${matches.length} agents; type more of the uid:\n${matches
      .slice(0, SHOWN)
      .map((u) => `  ${u}`)
      .join('\n')}${matches.length > SHOWN ? '\n  …' : ''}`,
  );
}

/** Resolves each entry of a comma-separated list; duplicates (two prefixes of one agent) collapse. */
export async function resolveAgentUids(client: ApiClient, list: string): Promise<string[]> {
  const out: string[] = [];
  for (const item of list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const uid = await resolveAgentUid(client, item);
    if (!out.includes(uid)) out.push(uid);
  }
  return out;
}
