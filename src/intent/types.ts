/**
 * @module What a chat message means: a proposal for exactly one change request, a read, or a
 * clarifying question. Intents never act: a proposal still goes through the change-request engine
 * and human approval.
 */
import type { ChangeKind, TargetSpec } from '../changes/types.js';

export interface ProposalIntent {
  readonly type: 'proposal';
  readonly kind: ChangeKind;
  readonly target: TargetSpec;
  readonly params: Record<string, unknown>;
  /** The user's stated reason ("because ..."), if any. */
  readonly reason?: string;
  /** One line saying what was understood, shown back to the user before anything else. */
  readonly understood: string;
}

export type ReadAction = 'list_agents' | 'show_agent' | 'list_configs' | 'list_requests' | 'show_request' | 'help';

export interface ReadIntent {
  readonly type: 'read';
  readonly action: ReadAction;
  readonly target?: TargetSpec;
  /** Agent uid or change request id for show_* actions. */
  readonly id?: string;
  readonly understood: string;
}

export interface QuestionIntent {
  readonly type: 'question';
  /** What to ask back instead of guessing. */
  readonly question: string;
  /** Values the user can pick from, when known (services, environments, configs). */
  readonly choices?: readonly string[];
}

export type Intent = ProposalIntent | ReadIntent | QuestionIntent;

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
