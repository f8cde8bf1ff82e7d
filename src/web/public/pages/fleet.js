import { html, DataPage, api, queryParams, toQuery, navigate, Link, clean, fmtDate, relative, fmtNumber, ErrorBox } from '../lib.js';
import { subscribe } from '../live.js';

const PAGE = 50;
const FILTERS = ['q', 'selector', 'connected', 'health', 'configSync'];

/** The fleet: filters live in the URL; the server filters and pages (GET /api/agents). */
export class FleetPage extends DataPage {
  constructor(props) {
    super(props);
    this.state.form = this.formFromUrl();
  }
  formFromUrl() {
    const q = queryParams();
    return Object.fromEntries(FILTERS.map((k) => [k, q[k] ?? '']));
  }
  componentDidMount() {
    super.componentDidMount();
    this.unsubscribe = subscribe((type) => type === 'fleet' && this.refreshSoon(2000));
  }
  componentDidUpdate(prev) {
    if (prev.routeKey !== this.props.routeKey) this.setState({ form: this.formFromUrl() });
    super.componentDidUpdate(prev);
  }
  load() {
    const q = queryParams();
    return api('GET', `/api/agents${toQuery({ ...Object.fromEntries(FILTERS.map((k) => [k, q[k]])), limit: PAGE, offset: q.offset ?? 0 })}`);
  }
  apply = (e) => {
    e.preventDefault();
    navigate(`/ui/fleet${toQuery(this.state.form)}`);
  };
  set = (k) => (e) => this.setState({ form: { ...this.state.form, [k]: e.currentTarget.value } });
  page(offset) {
    navigate(`/ui/fleet${toQuery({ ...queryParams(), offset })}`);
  }
  render() {
    const { data, error, loading, form } = this.state;
    const offset = Number(queryParams().offset ?? 0);
    const select = (k, label, options) => html`<div class="field">
      <label for=${`f-${k}`}>${label}</label>
      <select id=${`f-${k}`} value=${form[k]} onChange=${this.set(k)}>${options.map(([v, t]) => html`<option value=${v}>${t}</option>`)}</select>
    </div>`;
    return html`
      <h1>Fleet</h1>
      <form class="filters" role="search" aria-label="Filter agents" onSubmit=${this.apply}>
        <div class="field grow">
          <label for="f-q">Search</label>
          <input id="f-q" type="search" placeholder="uid, host, service…" value=${form.q} onInput=${this.set('q')} />
        </div>
        <div class="field grow">
          <label for="f-selector">Attribute selector</label>
          <input id="f-selector" type="text" placeholder="service.name=checkout,deployment.environment!=dev" value=${form.selector} onInput=${this.set(
            'selector',
          )}
            aria-describedby="selector-help" />
        </div>
        ${select('connected', 'Connection', [
          ['', 'any'],
          ['true', 'connected'],
          ['false', 'disconnected'],
        ])}
        ${select('health', 'Health', [
          ['', 'any'],
          ['healthy', 'healthy'],
          ['unhealthy', 'unhealthy'],
          ['unknown', 'not reported'],
        ])}
        ${select('configSync', 'Config', [
          ['', 'any'],
          ['in_sync', 'in sync'],
          ['out_of_sync', 'out of sync'],
          ['unmanaged', 'not managed'],
        ])}
        <div class="field actions"><button type="submit">Filter</button></div>
        <p id="selector-help" class="help">Same syntax as change-request targets: <code>key=value</code> or <code>key!=value</code>, comma-separated.</p>
      </form>
      <${ErrorBox} error=${error} />
      ${
        data
          ? html`
          <p class="count" aria-live="polite">${
            data.total === 0
              ? 'No agents match.'
              : `Agents ${fmtNumber(offset + 1)}–${fmtNumber(Math.min(offset + PAGE, data.total))} of ${fmtNumber(data.total)}`
          }</p>
          <div class="table-wrap" tabindex="0" role="region" aria-label="Agents">
          <table class="list">
            <thead><tr><th scope="col">Agent</th><th scope="col">service.name</th><th scope="col">host.name</th><th scope="col">environment</th>
            <th scope="col">Connection</th><th scope="col">Health</th><th scope="col">Config</th><th scope="col">Last seen</th></tr></thead>
            <tbody>
              ${data.agents.map((a) => {
                const attr = (k) => clean(a.identifyingAttributes[k] ?? a.nonIdentifyingAttributes[k] ?? '');
                return html`<tr>
                  <td><${Link} href=${`/ui/agents/${a.uid}`} class="mono">${a.uid}</${Link}></td>
                  <td>${attr('service.name')}</td><td>${attr('host.name')}</td><td>${attr('deployment.environment')}</td>
                  <td>${a.connected ? html`<span class="badge ok">connected</span>` : html`<span class="badge off">disconnected</span>`}</td>
                  <td>${
                    a.healthy === null
                      ? html`<span class="muted">—</span>`
                      : a.healthy
                        ? html`<span class="badge ok">healthy</span>`
                        : html`<span class="badge bad">unhealthy</span>`
                  }</td>
                  <td>${
                    a.configSync === 'in_sync'
                      ? html`<span class="badge ok">in sync</span>`
                      : a.configSync === 'out_of_sync'
                        ? html`<span class="badge warn">out of sync</span>`
                        : html`<span class="muted">not managed</span>`
                  }</td>
                  <td title=${fmtDate(a.lastSeen)}>${relative(a.lastSeen)}</td>
                </tr>`;
              })}
            </tbody>
          </table>
          </div>
          <nav class="pager" aria-label="Pages">
            <button type="button" class="secondary" disabled=${offset === 0} onClick=${() => this.page(Math.max(0, offset - PAGE))}>Previous</button>
            <button type="button" class="secondary" disabled=${offset + PAGE >= data.total} onClick=${() => this.page(offset + PAGE)}>Next</button>
          </nav>`
          : loading
            ? html`<p class="muted">Loading…</p>`
            : null
      }`;
  }
}
