/**
 * @module The plain-words restatement of a proposal ("restart → every agent except service
 * payments [service.name!=payments]"), built from the proposal itself, never from a model's text.
 */
import type { ChangeKind, TargetSpec } from '../changes/types.js';
import type { ReadIntent } from './types.js';
import { describeTarget, targetText } from '../fleet/target-words.js';

const VERB: Record<ChangeKind, string> = {
  config_push: 'push config',
  pause: 'pause',
  resume: 'resume',
  restart: 'restart',
  rotate_credentials: 'rotate credentials',
};

/** The action with its parameters, e.g. "push config otel-gateway v3" or "rotate credentials (certificate)". */
export function describeAction(kind: ChangeKind, params: Record<string, unknown>): string {
  if (kind === 'config_push')
    return `${VERB[kind]} ${String(params.config)}${params.version !== undefined ? ` v${String(params.version)}` : ' (latest version)'}`;
  if (kind === 'rotate_credentials') return `${VERB[kind]} (${String(params.credential ?? 'token')})`;
  return VERB[kind];
}

export function describeProposal(kind: ChangeKind, target: TargetSpec, params: Record<string, unknown>): string {
  return `${describeAction(kind, params)} → ${describeTarget(target)} [${targetText(target)}]`;
}

/** A read in plain words, from its fields (never from a model's text). */
export function describeRead(r: Pick<ReadIntent, 'action' | 'target' | 'id' | 'connected' | 'open' | 'period'>): string {
  switch (r.action) {
    case 'help':
      return 'help';
    case 'show_agent':
      return `show agent ${r.id ?? ''}`;
    case 'show_request':
      return `show change request ${r.id ?? ''}`;
    case 'list_configs':
      return 'list configs';
    case 'list_requests': {
      const scope = r.target?.selector ? ` touching ${describeTarget(r.target)}` : '';
      return `list ${r.open ? 'open ' : ''}change requests${scope}${r.period ? ` (${r.period.replace(/_/g, ' ')})` : ''}`;
    }
    case 'list_agents': {
      const conn = r.connected === undefined ? '' : r.connected ? ', connected only' : ', offline only';
      return `list ${describeTarget(r.target ?? { selector: '' })}${conn}`;
    }
  }
}
