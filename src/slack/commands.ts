/**
 * @module The strict `/ampgate` grammar. Text that matches it is never sent to a model; anything
 * else falls through to the intent parser (natural language).
 *
 *   agents [selector]      agent <uid>      configs      requests      request <id>      help
 *   push <config>[@<version>] to <target> [because <reason>]
 *   pause|resume|restart|rotate [token|certificate] <target> [because <reason>]
 *   <target> = key=value|key!=value[,...] | <uid>[,<uid>...] | all
 *   (`healthy=true|false` selects by reported health, `key!=value` excludes)
 */
import type { ChangeKind, TargetSpec } from '../changes/types.js';
import { describeTarget } from '../fleet/target-words.js';
import { describeProposal } from '../intent/describe.js';
import type { Intent } from '../intent/types.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const VERBS: Record<string, ChangeKind> = { pause: 'pause', resume: 'resume', restart: 'restart', rotate: 'rotate_credentials' };

export const USAGE = [
  '`/ampgate agents [key=value,...]` — list agents',
  '`/ampgate agent <uid>` — one agent in detail',
  '`/ampgate configs` — config catalog',
  '`/ampgate push <config>[@<version>] to <target> [because …]`',
  '`/ampgate pause|resume|restart <target> [because …]`',
  '`/ampgate rotate [token|certificate] <target> [because …]`',
  '`/ampgate requests` — open change requests, `/ampgate request <id>`',
  '<target> is `key=value,…` (`key!=value` excludes, `healthy=false` selects unhealthy agents), agent uids, or `all`. Plain sentences work too: ' +
    '`/ampgate restart everything in prod except payments`.',
].join('\n');

/** Parses a target word; undefined when it is not strict syntax. */
export function parseTarget(text: string): TargetSpec | undefined {
  const t = text.trim();
  if (t === 'all' || t === '*') return { selector: '' };
  const parts = t
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  if (parts.length > 0 && parts.every((p) => UUID.test(p))) return { agents: parts.map((p) => p.toLowerCase()) };
  if (parts.length > 0 && parts.every((p) => /^[A-Za-z][\w./-]*!?=[^\s=]+$/.test(p))) return { selector: parts.join(',') };
  return undefined;
}

function splitReason(text: string): { body: string; reason?: string } {
  const m = /\s+because\s+(.+)$/i.exec(text);
  return m ? { body: text.slice(0, m.index), reason: m[1]!.trim() } : { body: text };
}

/** The intent for strict command text, or undefined to fall back to natural language. */
export function parseCommand(text: string): Intent | undefined {
  const { body, reason } = splitReason(text.trim());
  const [verb = '', ...rest] = body.split(/\s+/);
  const arg = rest.join(' ');
  const v = verb.toLowerCase();
  if (v === '' || v === 'help') return { type: 'read', action: 'help', understood: 'help' };
  if (v === 'configs' && arg === '') return { type: 'read', action: 'list_configs', understood: 'list configs' };
  if (v === 'requests' && arg === '') return { type: 'read', action: 'list_requests', open: true, understood: 'list open change requests' };
  if (v === 'request' && /^\S+$/.test(arg)) return { type: 'read', action: 'show_request', id: arg, understood: `show change request ${arg}` };
  if (v === 'agent' && UUID.test(arg)) return { type: 'read', action: 'show_agent', id: arg.toLowerCase(), understood: `show agent ${arg}` };
  if (v === 'agents') {
    const target = arg === '' ? { selector: '' } : parseTarget(arg);
    return target ? { type: 'read', action: 'list_agents', target, understood: `list ${describeTarget(target)}` } : undefined;
  }
  if (v === 'push') {
    const m = /^([\w.-]+)(?:@(\d+|latest))?\s+to\s+(.+)$/i.exec(arg);
    const target = m ? parseTarget(m[3]!) : undefined;
    if (!m || !target) return undefined;
    const params: Record<string, unknown> = { config: m[1] };
    if (m[2] && m[2] !== 'latest') params.version = Number(m[2]);
    return {
      type: 'proposal',
      kind: 'config_push',
      target,
      params,
      understood: describeProposal('config_push', target, params),
      ...(reason ? { reason } : {}),
    };
  }
  const kind = VERBS[v];
  if (!kind) return undefined;
  let targetText = arg;
  const params: Record<string, unknown> = {};
  if (kind === 'rotate_credentials') {
    const m = /^(token|tokens|certificate|certificates|cert|certs)\s+(.+)$/i.exec(arg);
    params.credential = m && /^cert/i.test(m[1]!) ? 'certificate' : 'token';
    if (m) targetText = m[2]!;
  }
  const target = parseTarget(targetText);
  if (!target) return undefined;
  return { type: 'proposal', kind, target, params, understood: describeProposal(kind, target, params), ...(reason ? { reason } : {}) };
}
