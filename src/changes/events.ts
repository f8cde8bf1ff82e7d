/**
 * @module In-process event stream of change requests (for Slack cards and MCP progress). Events
 * are emitted only after the transaction that produced them committed; a throwing listener is
 * logged and never disturbs the engine or other listeners.
 */
import type { Logger } from '../shared/log.js';
import type { ChangeEvent } from './types.js';

export class ChangeEvents {
  readonly #listeners = new Set<(e: ChangeEvent) => void>();
  readonly #logger: Logger;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  subscribe(listener: (e: ChangeEvent) => void): () => void {
    // Wrap so the same function subscribed twice gets two independent subscriptions.
    const wrapped = (e: ChangeEvent) => listener(e);
    this.#listeners.add(wrapped);
    return () => void this.#listeners.delete(wrapped);
  }

  emit(events: readonly ChangeEvent[]): void {
    for (const e of events) {
      for (const l of this.#listeners) {
        try {
          l(e);
        } catch (err) {
          this.#logger.error({ err, event: e.type, request: e.request.id }, 'change event listener threw');
        }
      }
    }
  }
}
