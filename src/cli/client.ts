/**
 * @module The CLI's REST client: every CLI command except `serve` goes through the control-plane
 * API with a bearer token, exactly as any other client would.
 */

export interface ClientOptions {
  readonly url: string;
  readonly token: string | undefined;
}

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export class ApiClient {
  constructor(private readonly opts: ClientOptions) {}

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    // X-Ampgate-Client lets the server record change requests as coming from the CLI channel.
    const headers: Record<string, string> = { Accept: 'application/json', 'X-Ampgate-Client': 'cli' };
    if (this.opts.token) headers.Authorization = `Bearer ${this.opts.token}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(new URL(path, this.opts.url), { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (err) {
      throw new ApiError(0, 'unreachable', `cannot reach ampgate at ${this.opts.url}: ${(err as Error).message}`);
    }
    const text = await res.text();
    const json = text ? (JSON.parse(text) as unknown) : undefined;
    if (!res.ok) {
      const e = (json as { error?: { code?: string; message?: string } } | undefined)?.error;
      throw new ApiError(res.status, e?.code ?? 'error', e?.message ?? `HTTP ${res.status}`);
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
