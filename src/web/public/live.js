// Live updates: one EventSource on /api/events per signed-in tab. Pages subscribe to the notice
// types they show (change, rollout, fleet) and re-fetch what they display.
import { sessionEnded, sessionEndedBy } from './lib.js';

const subscribers = new Set();
let source = null;
/** `connected`, `reconnecting` or `off`, shown in the header. */
export const liveState = { value: 'off', listeners: new Set() };

function setLive(value) {
  liveState.value = value;
  for (const fn of liveState.listeners) fn(value);
}

export function subscribe(fn) {
  subscribers.add(fn);
  return () => subscribers.delete(fn);
}

export function startLive() {
  if (source) return;
  source = new EventSource('/api/events');
  source.addEventListener('open', () => setLive('connected'));
  source.addEventListener('error', async () => {
    if (!source) return;
    setLive(source.readyState === EventSource.CLOSED ? 'off' : 'reconnecting');
    if (source.readyState === EventSource.CLOSED) {
      // The server refused the stream: find out whether the session is over.
      const res = await fetch('/ui/session', { credentials: 'same-origin' });
      if (res.status === 401) {
        const body = await res.json().catch(() => ({}));
        stopLive();
        sessionEndedBy(body);
      } else {
        stopLive();
        setTimeout(startLive, 3000);
      }
    }
  });
  for (const type of ['change', 'rollout', 'fleet']) {
    source.addEventListener(type, (e) => {
      const data = JSON.parse(e.data);
      for (const fn of subscribers) fn(type, data);
    });
  }
  source.addEventListener('ended', (e) => {
    stopLive();
    sessionEnded(JSON.parse(e.data).reason);
  });
}

export function stopLive() {
  source?.close();
  source = null;
  setLive('off');
}
