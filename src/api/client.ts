/**
 * @module The REST client of ampgate's own tools: the CLI and the MCP layer (in-process and the
 * stdio broker) go through the control-plane API with a bearer token, exactly as any other client
 * would. `X-Ampgate-Client` tells the server which channel a change request came through; `mcp`
 * marks the caller as LLM-driven, which can only ever restrict it.
 */

export interface ClientOptions {
  readonly url: string;
  readonly token: string | undefined;
  /** Which of ampgate's tools is calling. Default 'cli'. */
  readonly client?: 'cli' | 'mcp';
  /** Replaceable transport (the in-process MCP endpoint uses Fastify's inject). */
  readonly fetch?: typeof fetch;
}

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** The server's machine-readable detail, e.g. `problems` listing every validation problem. */
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

export class ApiClient {
  constructor(private readonly opts: ClientOptions) {}

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { Accept: 'application/json', 'X-Ampgate-Client': this.opts.client ?? 'cli' };
    if (this.opts.token) headers.Authorization = `Bearer ${this.opts.token}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let res: Response;
    try {
      res = await (this.opts.fetch ?? fetch)(new URL(path, this.opts.url), { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (err) {
      throw new ApiError(0, 'unreachable', `cannot reach ampgate at ${this.opts.url}: ${(err as Error).message}`);
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      throw new ApiError(res.status, 'bad_response', `ampgate answered ${res.status} with a non-JSON body`);
    }
    if (!res.ok) {
      const e = (json as { error?: { code?: string; message?: string; details?: Record<string, unknown> } } | undefined)?.error;
      throw new ApiError(res.status, e?.code ?? 'error', e?.message ?? `HTTP ${res.status}`, e?.details);
    }
    return json as T;
  }

  get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }
  post<T>(path: string, body: unknown = {}): Promise<T> {
    return this.request<T>('POST', path, body);
  }
  delete<T>(path: string): Promise<T> {
    return this.request<T>('DELETE', path);
  }
}
