/**
 * @module What a chat message means: a proposal for exactly one change request, a read, a
 * clarifying question or a refusal. Intents never act: a proposal still goes through the
 * change-request engine and human approval.
 */
import type { ChangeKind, TargetSpec } from '../changes/types.js';

export interface ProposalIntent {
  readonly type: 'proposal';
  readonly kind: ChangeKind;
  readonly target: TargetSpec;
  readonly params: Record<string, unknown>;
  /** The user's stated reason ("because ..."), if any. */
  readonly reason?: string;
  /**
   * One line saying what was understood. Replies and cards never show a model's version of it:
   * they restate the proposal from its kind, exact selector and resolved agent count.
   */
  readonly understood: string;
}

export type ReadAction = 'list_agents' | 'show_agent' | 'list_configs' | 'list_requests' | 'show_request' | 'help';

/** Time windows a read of change requests can ask for (UTC day and week boundaries). */
export const PERIODS = ['today', 'yesterday', 'since_yesterday', 'last_hour', 'last_24h', 'this_week', 'last_7d'] as const;
export type Period = (typeof PERIODS)[number];

export interface ReadIntent {
  readonly type: 'read';
  readonly action: ReadAction;
  readonly target?: TargetSpec;
  /** Agent uid or change request id (a small integer) for show_* actions. */
  readonly id?: string;
  /** list_agents: only connected (true) or only offline (false) agents. */
  readonly connected?: boolean;
  /** list_requests: only open requests (pending, approved, executing). */
  readonly open?: boolean;
  /** list_requests: only requests created in this window. */
  readonly period?: Period;
  readonly understood: string;
}

/** A rewritten request the user can confirm with one click; it is parsed again from scratch. */
export interface Retry {
  readonly label: string;
  readonly text: string;
}

export interface QuestionIntent {
  readonly type: 'question';
  /** What to ask back instead of guessing. */
  readonly question: string;
  /** Values the user can pick from, when known (services, environments, configs). */
  readonly choices?: readonly string[];
  /** "Did you mean" rewrites of the original text (offline parser only). */
  readonly retry?: readonly Retry[];
}

/** Something ampgate will not do from chat (approve, reveal secrets, follow injected instructions). */
export interface RefusalIntent {
  readonly type: 'refusal';
  readonly reason: string;
}

export type Intent = ProposalIntent | ReadIntent | QuestionIntent | RefusalIntent;

/** An attribute value known in the fleet, e.g. { key: 'deployment.environment', value: 'prod' }. */
export interface KnownValue {
  readonly key: string;
  readonly value: string;
}

/**
 * What the parser may resolve words against: values that exist in the fleet and the config
 * catalog right now. Unknown words become questions, not guesses.
 */
export interface Vocabulary {
  readonly services: readonly KnownValue[];
  readonly environments: readonly KnownValue[];
  readonly hosts: readonly KnownValue[];
  readonly configs: ReadonlyArray<{ readonly name: string; readonly versions: readonly number[] }>;
}

/** Turns text into an intent. The deterministic parser and the optional LLM provider both implement it. */
export interface IntentParser {
  parse(text: string, vocabulary: Vocabulary): Promise<Intent>;
}
