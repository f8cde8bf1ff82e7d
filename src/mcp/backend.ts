/**
 * @module The MCP server's only way into ampgate: the REST API, called with the caller's own token
 * and marked `X-Ampgate-Client: mcp`. The in-process /mcp endpoint and the stdio broker
 * (`ampgate mcp`, possibly on another host) therefore share one code path and one authorisation
 * model: whatever the token may do over REST, and never more; and because the API marks these calls
 * as LLM-originated, nothing reached through MCP can approve a change.
 */

export class BackendError extends Error {
  override readonly name = 'BackendError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface BackendOptions {
  /** Control-plane base URL, e.g. http://127.0.0.1:4321 */
  readonly baseUrl: string;
  readonly token: string;
  /** Replaceable transport (the in-process endpoint uses Fastify's inject). */
  readonly fetch?: typeof fetch;
}

export class RestBackend {
  readonly #fetch: typeof fetch;
  constructor(private readonly opts: BackendOptions) {
    this.#fetch = opts.fetch ?? fetch;
  }

  async call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = {
      Accept: 'application/json',
      Authorization: `Bearer ${this.opts.token}`,
      'X-Ampgate-Client': 'mcp',
    };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let res: Response;
    try {
      res = await this.#fetch(new URL(path, this.opts.baseUrl), { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (err) {
      throw new BackendError(0, 'unreachable', `ampgate API unreachable: ${(err as Error).message}`);
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      throw new BackendError(res.status, 'bad_response', `ampgate API answered ${res.status} with a non-JSON body`);
    }
    if (!res.ok) {
      const e = (json as { error?: { code?: string; message?: string } } | undefined)?.error;
      throw new BackendError(res.status, e?.code ?? 'error', e?.message ?? `HTTP ${res.status}`);
    }
    return json as T;
  }

  get<T>(path: string): Promise<T> {
    return this.call<T>('GET', path);
  }

  post<T>(path: string, body: unknown = {}): Promise<T> {
    return this.call<T>('POST', path, body);
  }
}

export interface WhoAmI {
  readonly principal: { readonly kind: string; readonly id: string; readonly name: string; readonly role: string; readonly llm: boolean };
  readonly mcpReadOnly: boolean;
}
