/**
 * @module Change-freeze windows: absolute (start/end instants) or weekly recurring ("fri 16:00" to
 * "mon 08:00" in an IANA time zone). Evaluated at execution time: a fully approved request inside
 * a freeze is held and starts when the freeze ends.
 */
import type { ChangeKind } from './types.js';

const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
const WEEK_MINUTES = 7 * 24 * 60;

export interface FreezeWindow {
  readonly reason: string;
  /** Absolute window, epoch ms, end exclusive. */
  readonly start?: number;
  readonly end?: number;
  /** Weekly window as minutes since Monday 00:00 local time; may wrap over Sunday night. */
  readonly weekly?: { readonly start: number; readonly end: number };
  readonly timezone: string;
  /** Kinds the freeze applies to; undefined means all kinds. */
  readonly kinds?: readonly ChangeKind[];
}

export interface FreezeStatus {
  /** The reasons of every window active now, joined. */
  readonly reason: string;
  /** When no window applies any more (epoch ms), or null if that cannot be computed. */
  readonly until: number | null;
}

/** Parses "fri 16:00" into minutes since Monday 00:00, or undefined when malformed. */
export function parseWeekPoint(text: string): number | undefined {
  const m = /^\s*(mon|tue|wed|thu|fri|sat|sun)[a-z]*\s+([01]?\d|2[0-3]):([0-5]\d)\s*$/i.exec(text);
  if (!m) return undefined;
  return WEEKDAYS.indexOf(m[1]!.toLowerCase() as (typeof WEEKDAYS)[number]) * 1440 + Number(m[2]) * 60 + Number(m[3]);
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** True when `tz` is an IANA zone this runtime knows. */
export function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Minutes since Monday 00:00 in `tz` at instant `t`. */
export function localWeekMinute(t: number, tz: string): number {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: tz, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formatters.set(tz, f);
  }
  let day = 0;
  let hour = 0;
  let minute = 0;
  for (const p of f.formatToParts(new Date(t))) {
    if (p.type === 'weekday') day = WEEKDAYS.indexOf(p.value.toLowerCase().slice(0, 3) as (typeof WEEKDAYS)[number]);
    else if (p.type === 'hour') hour = Number(p.value);
    else if (p.type === 'minute') minute = Number(p.value);
  }
  return day * 1440 + hour * 60 + minute;
}

function weeklyActive(w: { start: number; end: number }, m: number): boolean {
  return w.start < w.end ? m >= w.start && m < w.end : m >= w.start || m < w.end;
}

/** True when `w` is in force at `t` for `kind`. */
function windowActive(w: FreezeWindow, t: number, kind: ChangeKind): boolean {
  if (w.kinds && !w.kinds.includes(kind)) return false;
  if (w.weekly) return weeklyActive(w.weekly, localWeekMinute(t, w.timezone));
  return t >= w.start! && t < w.end!;
}

/** End of the occurrence of `w` that is active at `t` (epoch ms). */
function windowEnd(w: FreezeWindow, t: number): number {
  if (!w.weekly) return w.end!;
  const atMinute = t - (t % 60_000);
  let candidate = atMinute + ((w.weekly.end - localWeekMinute(t, w.timezone) + WEEK_MINUTES) % WEEK_MINUTES) * 60_000;
  // A daylight-saving shift inside the window moves local time by up to an hour: correct once.
  const drift = (localWeekMinute(candidate, w.timezone) - w.weekly.end + WEEK_MINUTES) % WEEK_MINUTES;
  if (drift !== 0) candidate -= (drift > WEEK_MINUTES / 2 ? drift - WEEK_MINUTES : drift) * 60_000;
  return candidate;
}

/**
 * The freeze in force at `t` for `kind`, or undefined. Overlapping and back-to-back windows are
 * chained so `until` is when the request can really start.
 */
export function freezeAt(windows: readonly FreezeWindow[], t: number, kind: ChangeKind): FreezeStatus | undefined {
  const active = windows.filter((w) => windowActive(w, t, kind));
  if (active.length === 0) return undefined;
  const reason = active.map((w) => w.reason).join('; ');
  let until = Math.max(...active.map((w) => windowEnd(w, t)));
  for (let i = 0; i < 20; i++) {
    const next = windows.filter((w) => windowActive(w, until, kind));
    if (next.length === 0) return { reason, until };
    until = Math.max(...next.map((w) => windowEnd(w, until)));
  }
  return { reason, until: null };
}
