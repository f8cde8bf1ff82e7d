/**
 * @module The plain-words restatement of a proposal ("restart → every agent except service
 * payments [service.name!=payments]"), built from the proposal itself, never from a model's text.
 */
import type { ChangeKind, TargetSpec } from '../changes/types.js';
import { describeTarget, targetText } from '../fleet/target-words.js';

const VERB: Record<ChangeKind, string> = { config_push: 'push config', pause: 'pause', resume: 'resume', restart: 'restart', rotate_credentials: 'rotate credentials' };

/** The action with its parameters, e.g. "push config otel-gateway v3" or "rotate credentials (certificate)". */
export function describeAction(kind: ChangeKind, params: Record<string, unknown>): string {
  if (kind === 'config_push') return `${VERB[kind]} ${String(params.config)}${params.version !== undefined ? ` v${String(params.version)}` : ' (latest version)'}`;
  if (kind === 'rotate_credentials') return `${VERB[kind]} (${String(params.credential ?? 'token')})`;
  return VERB[kind];
}

export function describeProposal(kind: ChangeKind, target: TargetSpec, params: Record<string, unknown>): string {
  return `${describeAction(kind, params)} → ${describeTarget(target)} [${targetText(target)}]`;
}
