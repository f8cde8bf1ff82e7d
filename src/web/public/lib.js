// Shared helpers of the console: the html tag, the API client (session cookie + CSRF header),
// navigation, formatting. Everything here runs in the browser as a plain ES module.
import { h, Component } from './vendor/preact.mjs';
import htm from './vendor/htm.mjs';

export const html = htm.bind(h);
export { Component };

/** Session state: the principal and the CSRF token of the signed-in session. */
export const session = { principal: null, csrfToken: null, expiresAt: null, endedReason: null };

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.error?.message ?? `HTTP ${status}`);
    this.status = status;
    this.code = body?.error?.code ?? 'error';
    this.details = body?.error?.details ?? {};
  }
}

const listeners = new Set();
/** Re-render hook: the app subscribes to navigation and session changes. */
export function onAppChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}
export function appChanged() {
  for (const fn of listeners) fn();
}

/** Calls the REST API with the session cookie; writes carry the CSRF token. A 401 ends the session. */
export async function api(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && session.csrfToken) headers['X-CSRF-Token'] = session.csrfToken;
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' });
  const text = res.status === 204 ? '' : await res.text();
  let parsed;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  if (res.status === 401 && path.startsWith('/api/')) sessionEndedBy(parsed);
  if (!res.ok) throw new ApiError(res.status, parsed);
  return parsed;
}

/**
 * Ends the session after a 401. The browser drops the cookie at the session's end by itself
 * (Max-Age), so the server may only see a request without one: then the reason comes from the
 * expiry the session reported at sign-in.
 */
export function sessionEndedBy(body) {
  const expired = session.expiresAt && Date.now() >= Date.parse(session.expiresAt);
  const fromServer = body?.error?.details?.session ? body.error.message : null;
  sessionEnded(fromServer ?? (expired ? 'Your console session expired; sign in again.' : 'You are not signed in (the session ended); sign in again.'));
}

export function sessionEnded(reason) {
  if (!session.principal) return; // already ended: keep the first reason
  session.principal = null;
  session.csrfToken = null;
  session.endedReason = reason;
  appChanged();
}

export const hasRole = (role) => {
  const rank = { viewer: 0, proposer: 1, approver: 2, admin: 3 };
  return session.principal !== null && rank[session.principal.role] >= rank[role];
};

/** In-app navigation: /ui/... paths without a page load. */
export function navigate(href, replace = false) {
  if (replace) history.replaceState(null, '', href);
  else history.pushState(null, '', href);
  window.scrollTo(0, 0);
  appChanged();
}

/** Query string of the current location as an object. */
export function queryParams() {
  return Object.fromEntries(new URLSearchParams(location.search));
}

/** `?a=1&b=2` from an object, leaving out empty values. */
export function toQuery(obj) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(obj)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

/**
 * Agent-reported and user-written text may hold control characters (terminal escapes, bidi
 * overrides); they are shown as visible escapes, never passed through.
 */
export function clean(value) {
  if (value === null || value === undefined) return '';
  const s = typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
  return s.replace(
    // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
    /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

export function fmtDate(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  return d.toLocaleString(undefined, { year: 'numeric', month: 'short', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

export function relative(iso) {
  if (!iso) return '';
  const s = Math.round((new Date(iso).getTime() - Date.now()) / 1000);
  const abs = Math.abs(s);
  const text =
    abs < 60 ? `${abs} s` : abs < 3600 ? `${Math.round(abs / 60)} min` : abs < 86400 ? `${Math.round(abs / 3600)} h` : `${Math.round(abs / 86400)} d`;
  return s >= 0 ? `in ${text}` : `${text} ago`;
}

export const fmtNumber = (n) => (typeof n === 'number' ? n.toLocaleString('en-US') : '—');

/** A link that navigates inside the console. */
export function Link({ href, children, ...rest }) {
  const onClick = (e) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(href);
  };
  return html`<a href=${href} onClick=${onClick} ...${rest}>${children}</a>`;
}

export function ErrorBox({ error }) {
  if (!error) return null;
  return html`<div class="error" role="alert"><strong>${error.status ? `${error.status} ${clean(error.code)}: ` : ''}</strong>${clean(error.message)}</div>`;
}

export function StateBadge({ state }) {
  return html`<span class=${`badge state-${state}`}>${clean(state)}</span>`;
}

/**
 * Base of the data pages: `load()` returns a promise of the page's data; it runs on mount, when
 * the route changes and when `refresh()` is called (e.g. on a server-sent event).
 */
export class DataPage extends Component {
  constructor(props) {
    super(props);
    this.state = { data: null, error: null, loading: true };
    this.seq = 0;
  }
  componentDidMount() {
    this.refresh();
  }
  componentDidUpdate(prev) {
    if (prev.routeKey !== this.props.routeKey) this.refresh();
  }
  async refresh() {
    const seq = ++this.seq;
    try {
      const data = await this.load();
      if (seq === this.seq) this.setState({ data, error: null, loading: false });
    } catch (error) {
      if (seq === this.seq) this.setState({ error, loading: false });
    }
  }
  /** Refreshes at most every `ms` (server-sent events can come in bursts). */
  refreshSoon(ms = 500) {
    if (this.pending) return;
    this.pending = setTimeout(() => {
      this.pending = undefined;
      this.refresh();
    }, ms);
  }
  componentWillUnmount() {
    clearTimeout(this.pending);
    this.seq++;
    this.unsubscribe?.();
  }
}
