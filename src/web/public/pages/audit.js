import { html, DataPage, api, queryParams, toQuery, navigate, Link, clean, fmtDate, ErrorBox } from '../lib.js';
import { subscribe } from '../live.js';

const PAGE = 100;
const ACTIONS = [
  ['', 'all actions'],
  ['change.', 'change requests (all)'],
  ['change.proposed', 'proposed'],
  ['change.approved', 'approved'],
  ['change.rejected', 'rejected'],
  ['change.cancelled', 'cancelled'],
  ['change.result', 'results'],
  ['change.outcome', 'per-agent outcomes'],
  ['policy.denied', 'refusals (policy.denied)'],
];

/** The hash-chained audit log, newest first, with the chain's verification and a JSONL export. */
export class AuditPage extends DataPage {
  state = { ...this.state, form: { action: queryParams().action ?? '', actor: queryParams().actor ?? '', request: queryParams().request ?? '' } };
  componentDidMount() {
    super.componentDidMount();
    this.unsubscribe = subscribe((type) => type === 'change' && !queryParams().before && this.refreshSoon(1000));
  }
  async load() {
    const q = queryParams();
    const [page, verify] = await Promise.all([
      api('GET', `/api/audit${toQuery({ order: 'desc', limit: PAGE, before: q.before, action: q.action, actor: q.actor, request: q.request })}`),
      api('GET', '/api/audit/verify'),
    ]);
    return { page, verify };
  }
  set = (k) => (e) => this.setState({ form: { ...this.state.form, [k]: e.currentTarget.value } });
  render() {
    const { data, error, form } = this.state;
    return html`<h1>Audit log</h1>
      ${
        data
          ? data.verify.ok
            ? html`<p class="ok-text" role="status" data-verify="ok">Hash chain verified: ${data.verify.count} rows intact${
                data.verify.head ? html`, head <span class="mono">#${data.verify.head.seq} ${data.verify.head.hash.slice(0, 16)}</span>` : null
              }.</p>`
            : html`<div class="error" role="alert" data-verify="broken">Hash chain BROKEN at row ${data.verify.brokenAt}: ${clean(data.verify.reason)}</div>`
          : null
      }
      <p><a href="/api/audit/export" download="ampgate-audit.jsonl">Export all rows (JSONL)</a> <span
        class="muted">— verify offline with <code>ampgate audit verify --file</code></span></p>
      <form class="filters" aria-label="Filter audit rows" onSubmit=${(e) => {
        e.preventDefault();
        navigate(`/ui/audit${toQuery(form)}`);
      }}>
        <div class="field"><label for="a-action">Action</label><select id="a-action" value=${form.action} onChange=${this.set('action')}>${ACTIONS.map(
          ([v, t]) => html`<option value=${v}>${t}</option>`,
        )}</select></div>
        <div class="field grow"><label for="a-actor">Actor</label>
        <input id="a-actor" placeholder="api_token:… or system" value=${form.actor} onInput=${this.set('actor')} /></div>
        <div class="field"><label for="a-request">Change request</label>
        <input id="a-request" inputmode="numeric" pattern="[0-9]*" value=${form.request} onInput=${this.set('request')} /></div>
        <div class="field actions"><button type="submit">Filter</button></div>
      </form>
      <${ErrorBox} error=${error} />
      ${
        data
          ? html`<div class="table-wrap" tabindex="0" role="region" aria-label="Audit rows"><table class="list audit">
            <thead><tr><th scope="col">#</th><th scope="col">At</th><th scope="col">Actor</th><th scope="col">Action</th><th scope="col">Request</th>
            <th scope="col">Data</th></tr></thead>
            <tbody>${data.page.entries.map(
              (e) => html`<tr><td>${e.seq}</td><td>${fmtDate(e.at)}</td><td class="mono small">${clean(e.actor)}</td><td>${clean(e.action)}</td>
                <td>${e.requestId ? html`<${Link} href=${`/ui/changes/${e.requestId}`}>#${e.requestId}</${Link}>` : '—'}</td>
                <td><details><summary>${summarize(e)}</summary><pre class="code-block small">${clean(
                  JSON.stringify(e.data, null, 2),
                )}</pre></details></td></tr>`,
            )}</tbody></table></div>
          <nav class="pager" aria-label="Pages">
            ${
              queryParams().before
                ? html`<button type="button" class="secondary" onClick=${() =>
                    navigate(`/ui/audit${toQuery({ ...queryParams(), before: undefined })}`)}>Newest</button>`
                : null
            }
            <button type="button" class="secondary" disabled=${data.page.next === null} onClick=${() =>
              navigate(`/ui/audit${toQuery({ ...queryParams(), before: data.page.next })}`)}>Older</button>
          </nav>`
          : null
      }`;
  }
}

function summarize(e) {
  const d = e.data ?? {};
  const who = d.principal?.name ? `${d.principal.name}` : '';
  const text = d.reason ?? d.comment ?? d.summary ?? d.detail ?? d.status ?? '';
  return clean([who, text].filter(Boolean).join(': ').slice(0, 120)) || 'details';
}
