/**
 * @module Optional LLM intent provider (OpenAI-compatible chat completions). The model only maps
 * text to the same Intent schema as the deterministic parser, and its answer goes through the same
 * contract (contract.ts): schema, live vocabulary, and agreement with the exact reading of the
 * words. An answer that would widen, narrow or change the target is rejected and the offline
 * answer (exact, or a question) is used. The message and vocabulary are passed as data, never as
 * instructions, ampgate tokens in the message are replaced by their fingerprints before it leaves,
 * and the API key is never logged.
 */
import { readFileSync } from 'node:fs';
import { redactSecrets } from '../changes/input.js';
import { analyze } from './analyze.js';
import { IntentSchema, reconcile } from './contract.js';
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

function loadIntentPrompt(): string {
  return readFileSync(new URL('../../prompts/intent.md', import.meta.url), 'utf8');
}

export class LlmIntentParser implements IntentParser {
  readonly #prompt: string;
  constructor(private readonly opts: LlmProviderOptions) {
    this.#prompt = opts.systemPrompt ?? loadIntentPrompt();
  }

  async parse(text: string, vocabulary: Vocabulary): Promise<Intent> {
    const analysis = analyze(text, vocabulary);
    let raw: unknown;
    try {
      raw = await this.#complete(text, vocabulary);
    } catch (err) {
      this.opts.onError?.(`LLM call failed: ${(err as Error).message}`);
      return this.opts.fallback.parse(text, vocabulary);
    }
    const parsed = IntentSchema.safeParse(raw);
    if (!parsed.success) {
      this.opts.onError?.('LLM answered outside the intent schema');
      return this.opts.fallback.parse(text, vocabulary);
    }
    const { intent, rejected } = reconcile(parsed.data as Intent, analysis);
    if (rejected) this.opts.onError?.(`LLM answer rejected: ${rejected}`);
    return intent;
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
