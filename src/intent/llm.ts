/**
 * @module Optional LLM intent provider (OpenAI-compatible chat completions). The model only maps
 * text to the same Intent schema as the deterministic parser; its output is validated with zod and
 * checked against the vocabulary, and anything invalid becomes the deterministic parser's answer
 * or a question. The message and vocabulary are passed as data, never as instructions, ampgate
 * tokens in the message are replaced by their fingerprints before it leaves, and the API key is
 * never logged.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { redactSecrets } from '../changes/input.js';
import { CHANGE_KINDS } from '../changes/types.js';
import { parseSelector } from '../fleet/attributes.js';
import type { Intent, IntentParser, Vocabulary } from './types.js';

export interface LlmProviderOptions {
  /** Base URL of an OpenAI-compatible API, e.g. https://api.openai.com/v1 */
  readonly baseUrl: string;
  readonly model: string;
  readonly apiKey?: string;
  /** Used when the model fails or answers outside the schema. */
  readonly fallback: IntentParser;
  readonly timeoutMs?: number;
  readonly systemPrompt?: string;
  readonly fetch?: typeof fetch;
  readonly onError?: (reason: string) => void;
}

const Target = z.union([
  z.object({ selector: z.string().max(500) }).strict(),
  z.object({ agents: z.array(z.string().uuid()).min(1).max(500) }).strict(),
]);

const LlmIntent = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('proposal'),
    kind: z.enum(CHANGE_KINDS),
    target: Target,
    params: z
      .object({
        config: z.string().max(200).optional(),
        version: z.number().int().positive().optional(),
        credential: z.enum(['token', 'certificate']).optional(),
      })
      .strict()
      .default({}),
    reason: z.string().max(500).optional(),
    understood: z.string().min(1).max(300),
  }),
  z.object({
    type: z.literal('read'),
    action: z.enum(['list_agents', 'show_agent', 'list_configs', 'list_requests', 'show_request', 'help']),
    target: Target.optional(),
    id: z.string().max(100).optional(),
    understood: z.string().min(1).max(300),
  }),
  z.object({ type: z.literal('question'), question: z.string().min(1).max(500), choices: z.array(z.string().max(100)).max(50).optional() }),
]);

export function loadIntentPrompt(): string {
  return readFileSync(new URL('../../prompts/intent.md', import.meta.url), 'utf8');
}

export class LlmIntentParser implements IntentParser {
  readonly #prompt: string;
  constructor(private readonly opts: LlmProviderOptions) {
    this.#prompt = opts.systemPrompt ?? loadIntentPrompt();
  }

  async parse(text: string, vocabulary: Vocabulary): Promise<Intent> {
    let raw: unknown;
    try {
      raw = await this.#complete(text, vocabulary);
    } catch (err) {
      this.opts.onError?.(`LLM call failed: ${(err as Error).message}`);
      return this.opts.fallback.parse(text, vocabulary);
    }
    const parsed = LlmIntent.safeParse(raw);
    if (!parsed.success) {
      this.opts.onError?.('LLM answered outside the intent schema');
      return this.opts.fallback.parse(text, vocabulary);
    }
    return checkAgainstVocabulary(parsed.data as Intent, vocabulary);
  }

  async #complete(text: string, vocabulary: Vocabulary): Promise<unknown> {
    const headers: Record<string, string> = { 'Content-Type': 'application/json' };
    if (this.opts.apiKey) headers.Authorization = `Bearer ${this.opts.apiKey}`;
    const body = {
      model: this.opts.model,
      temperature: 0,
      response_format: { type: 'json_object' },
      messages: [
        { role: 'system', content: this.#prompt },
        // A token pasted into chat must not travel to a third-party model: fingerprint only.
        { role: 'user', content: JSON.stringify({ VOCABULARY: vocabulary, MESSAGE: redactSecrets(text) }) },
      ],
    };
    const res = await (this.opts.fetch ?? fetch)(`${this.opts.baseUrl.replace(/\/$/, '')}/chat/completions`, {
      method: 'POST',
      headers,
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(this.opts.timeoutMs ?? 10_000),
    });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const json = (await res.json()) as { choices?: Array<{ message?: { content?: string } }> };
    const content = json.choices?.[0]?.message?.content;
    if (typeof content !== 'string') throw new Error('no message content');
    return JSON.parse(content) as unknown;
  }
}

const KNOWN_KEYS = ['service.name', 'deployment.environment', 'deployment.environment.name', 'host.name'];

/** Rejects model output that names configs, versions or attribute values the fleet does not have. */
export function checkAgainstVocabulary(intent: Intent, vocab: Vocabulary): Intent {
  if (intent.type === 'question') return intent;
  const selector = intent.target && 'selector' in intent.target ? intent.target.selector : undefined;
  if (selector !== undefined) {
    let clauses;
    try {
      clauses = parseSelector(selector);
    } catch (err) {
      return { type: 'question', question: `I could not read the target "${selector}": ${(err as Error).message}` };
    }
    const known = [...vocab.services, ...vocab.environments, ...vocab.hosts];
    for (const c of clauses) {
      if (KNOWN_KEYS.includes(c.key) && !known.some((k) => k.key === c.key && k.value === c.value)) {
        return { type: 'question', question: `No agent reports ${c.key}=${c.value}. Which agents did you mean?`, choices: known.filter((k) => k.key === c.key).map((k) => k.value) };
      }
    }
  }
  if (intent.type === 'proposal' && intent.kind === 'config_push') {
    const name = intent.params.config;
    const entry = vocab.configs.find((c) => c.name === name);
    if (!entry) return { type: 'question', question: `Which config should I push?`, choices: vocab.configs.map((c) => c.name) };
    const version = intent.params.version;
    if (version !== undefined && !entry.versions.includes(version as number)) {
      return { type: 'question', question: `Config ${entry.name} has no version ${String(version)}. Versions: ${entry.versions.join(', ')}.` };
    }
  }
  return intent;
}
