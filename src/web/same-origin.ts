/**
 * @module Cross-site request refusal for cookie-authenticated writes. Browsers send Origin and
 * Sec-Fetch-Site on every cross-origin POST/DELETE; either one naming another site is refused,
 * in addition to the SameSite=Strict cookie and the CSRF token.
 */
import type { IncomingHttpHeaders } from 'node:http';

/** Why a state-changing request looks cross-site, or undefined when it does not. */
export function crossSiteReason(headers: IncomingHttpHeaders): string | undefined {
  const site = headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin') return `Sec-Fetch-Site is "${String(site)}"`;
  const origin = headers.origin;
  if (origin === undefined) return undefined;
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    return `malformed Origin "${origin}"`;
  }
  if (host !== headers.host) return `Origin ${origin} is not this server (${String(headers.host)})`;
  return undefined;
}
