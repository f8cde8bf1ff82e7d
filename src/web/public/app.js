// The ampgate console: shell (header, navigation, summary, live notices) and the path router.
import { render } from './vendor/preact.mjs';
import { html, Component, session, api, onAppChange, navigate, Link, clean, fmtNumber, hasRole, appChanged } from './lib.js';
import { startLive, stopLive, subscribe, liveState } from './live.js';
import { SignIn } from './pages/signin.js';
import { FleetPage } from './pages/fleet.js';
import { AgentPage } from './pages/agent.js';
import { ChangesPage } from './pages/changes.js';
import { ChangePage } from './pages/change.js';
import { RolloutsPage, RolloutPage } from './pages/rollouts.js';
import { ConfigsPage, ConfigPage } from './pages/configs.js';
import { AuditPage } from './pages/audit.js';

const ROUTES = [
  [/^\/ui\/?$/, () => ({ redirect: '/ui/fleet' })],
  [/^\/ui\/fleet$/, () => ({ page: FleetPage, title: 'Fleet', nav: 'fleet' })],
  [/^\/ui\/agents\/([0-9a-fA-F-]{36})$/, (m) => ({ page: AgentPage, props: { uid: m[1] }, title: 'Agent', nav: 'fleet' })],
  [/^\/ui\/changes$/, () => ({ page: ChangesPage, title: 'Change requests', nav: 'changes' })],
  [/^\/ui\/changes\/(\d+)$/, (m) => ({ page: ChangePage, props: { id: m[1] }, title: `Change request #${m[1]}`, nav: 'changes' })],
  [/^\/ui\/rollouts$/, () => ({ page: RolloutsPage, title: 'Rollouts', nav: 'rollouts' })],
  [/^\/ui\/rollouts\/(\d+)$/, (m) => ({ page: RolloutPage, props: { id: m[1] }, title: `Rollout of #${m[1]}`, nav: 'rollouts' })],
  [/^\/ui\/configs$/, () => ({ page: ConfigsPage, title: 'Configs', nav: 'configs' })],
  [
    /^\/ui\/configs\/([^/]+)$/,
    (m) => ({ page: ConfigPage, props: { name: decodeURIComponent(m[1]) }, title: `Config ${decodeURIComponent(m[1])}`, nav: 'configs' }),
  ],
  [/^\/ui\/audit$/, () => ({ page: AuditPage, title: 'Audit log', nav: 'audit' })],
];

function route() {
  for (const [re, make] of ROUTES) {
    const m = re.exec(location.pathname);
    if (m) return make(m);
  }
  return { page: NotFound, title: 'Not found' };
}

const NotFound = () => html`<h1>Page not found</h1><p><${Link} href="/ui/fleet">Go to the fleet</${Link}></p>`;

const NAV = [
  ['fleet', '/ui/fleet', 'Fleet', 'viewer'],
  ['changes', '/ui/changes', 'Change requests', 'viewer'],
  ['rollouts', '/ui/rollouts', 'Rollouts', 'viewer'],
  ['configs', '/ui/configs', 'Configs', 'viewer'],
  ['audit', '/ui/audit', 'Audit', 'admin'],
];

/** Health and workload numbers at the top of every page. */
class Summary extends Component {
  state = { s: null };
  componentDidMount() {
    this.load();
    this.timer = setInterval(() => this.load(), 15000);
    this.unsubscribe = subscribe(() => {
      clearTimeout(this.soon);
      this.soon = setTimeout(() => this.load(), 700);
    });
  }
  componentWillUnmount() {
    clearInterval(this.timer);
    clearTimeout(this.soon);
    this.unsubscribe();
  }
  async load() {
    try {
      this.setState({ s: await api('GET', '/api/summary') });
    } catch {
      /* the page shows its own errors */
    }
  }
  render() {
    const s = this.state.s;
    if (!s) return html`<div class="summary" aria-busy="true"></div>`;
    const item = (label, value, href, warn) =>
      html`<li class=${warn ? 'warn' : ''}><${Link} href=${href}><span class="num">${fmtNumber(value)}</span> <span class="label">${label}</span>
      </${Link}></li>`;
    return html`<ul class="summary" aria-label="Fleet and change summary">
      ${item('agents', s.agents.known, '/ui/fleet')}
      ${item('connected', s.agents.connected, '/ui/fleet?connected=true')}
      ${item('unhealthy', s.agents.unhealthy, '/ui/fleet?health=unhealthy', s.agents.unhealthy > 0)}
      ${item('config out of sync', s.agents.outOfSync, '/ui/fleet?configSync=out_of_sync', s.agents.outOfSync > 0)}
      ${item('pending requests', s.changes.pending, '/ui/changes?state=pending', s.changes.pending > 0)}
      ${item('executing', s.changes.executing, '/ui/changes?state=executing')}
      ${item('rollouts running', s.rollouts.running, '/ui/rollouts')}
      ${item('halted', s.rollouts.halted, '/ui/rollouts', s.rollouts.halted > 0)}
    </ul>`;
  }
}

/** Announces new requests and approvals (a polite live region). */
class Notices extends Component {
  state = { items: [] };
  componentDidMount() {
    this.unsubscribe = subscribe((type, d) => {
      if (type !== 'change') return;
      const text =
        d.type === 'proposed'
          ? `New change request #${d.id} (${d.kind})`
          : d.type === 'approval'
            ? `#${d.id} ${d.decision === 'approve' ? 'approved' : 'rejected'} by ${clean(d.by)}`
            : `#${d.id} is now ${d.state}`;
      const item = { key: `${Date.now()}-${Math.random()}`, id: d.id, text };
      this.setState({ items: [item, ...this.state.items].slice(0, 4) });
      setTimeout(() => this.setState({ items: this.state.items.filter((i) => i !== item) }), 8000);
    });
  }
  componentWillUnmount() {
    this.unsubscribe();
  }
  render() {
    return html`<div class="notices" role="status" aria-live="polite">
      ${this.state.items.map((i) => html`<p key=${i.key} class="notice"><${Link} href=${`/ui/changes/${i.id}`}>${i.text}</${Link}></p>`)}
    </div>`;
  }
}

class LiveDot extends Component {
  state = { v: liveState.value };
  componentDidMount() {
    this.fn = (v) => this.setState({ v });
    liveState.listeners.add(this.fn);
  }
  componentWillUnmount() {
    liveState.listeners.delete(this.fn);
  }
  render() {
    const label = this.state.v === 'connected' ? 'live' : this.state.v === 'reconnecting' ? 'reconnecting…' : 'not live';
    return html`<span class=${`live live-${this.state.v}`} data-live=${this.state.v}>${label}</span>`;
  }
}

async function signOut() {
  try {
    await api('DELETE', '/ui/session');
  } finally {
    stopLive();
    session.principal = null;
    session.csrfToken = null;
    session.endedReason = 'You signed out.';
    navigate('/ui/', true);
  }
}

class App extends Component {
  state = { ready: false };
  async componentDidMount() {
    onAppChange(() => this.forceUpdate());
    window.addEventListener('popstate', () => this.forceUpdate());
    try {
      const s = await fetch('/ui/session', { credentials: 'same-origin' });
      if (s.ok) Object.assign(session, await s.json());
    } finally {
      this.setState({ ready: true });
    }
  }
  render() {
    if (!this.state.ready) return html`<p class="boot">Loading…</p>`;
    if (!session.principal) {
      stopLive();
      document.title = 'Sign in · ampgate';
      return html`<${SignIn} onSignedIn=${(s) => {
        Object.assign(session, s, { endedReason: null });
        appChanged();
      }} />`;
    }
    startLive();
    const r = route();
    if (r.redirect) {
      queueMicrotask(() => navigate(r.redirect, true));
      return null;
    }
    document.title = `${r.title} · ampgate`;
    const Page = r.page;
    const p = session.principal;
    return html`
      <header class="top">
        <div class="bar">
          <span class="brand">ampgate</span>
          <nav aria-label="Main">
            <ul>
              ${NAV.filter(([, , , role]) => hasRole(role)).map(
                ([key, href, label]) => html`<li><${Link} href=${href} aria-current=${r.nav === key ? 'page' : undefined}>${label}</${Link}></li>`,
              )}
            </ul>
          </nav>
          <div class="who">
            <${LiveDot} />
            <span class="principal">${clean(p.name)} <span class="role">(${p.role})</span></span>
            <button type="button" class="secondary" onClick=${signOut}>Sign out</button>
          </div>
        </div>
        <${Summary} />
      </header>
      <${Notices} />
      <main id="main" tabindex="-1">
        <${Page} ...${r.props ?? {}} routeKey=${location.pathname + location.search} />
      </main>`;
  }
}

render(html`<${App} />`, document.getElementById('app'));
