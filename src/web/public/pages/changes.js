import { html, DataPage, api, queryParams, toQuery, navigate, Link, clean, fmtDate, relative, ErrorBox, StateBadge, fmtNumber } from '../lib.js';
import { subscribe } from '../live.js';

const PAGE = 50;
export const STATE_FILTERS = [
  ['open', 'Open (pending, approved, executing)', 'pending,approved,executing'],
  ['pending', 'Pending approval', 'pending'],
  ['approved', 'Approved', 'approved'],
  ['executing', 'Executing', 'executing'],
  ['done', 'Finished', 'succeeded,partially_failed,failed'],
  ['ended', 'Rejected, cancelled, expired', 'rejected,cancelled,expired'],
  ['all', 'All', ''],
];

export class ChangesPage extends DataPage {
  componentDidMount() {
    super.componentDidMount();
    this.unsubscribe = subscribe((type) => type === 'change' && this.refreshSoon(300));
  }
  filter() {
    const q = queryParams();
    return STATE_FILTERS.find(([k, , states]) => k === q.state || states === q.state) ?? STATE_FILTERS[0];
  }
  load() {
    const q = queryParams();
    return api('GET', `/api/changes${toQuery({ state: this.filter()[2], kind: q.kind, limit: PAGE, offset: q.offset ?? 0 })}`);
  }
  render() {
    const { data, error } = this.state;
    const current = this.filter()[0];
    const offset = Number(queryParams().offset ?? 0);
    return html`
      <h1>Change requests</h1>
      <form class="filters" aria-label="Filter change requests" onSubmit=${(e) => e.preventDefault()}>
        <div class="field">
          <label for="state-filter">State</label>
          <select id="state-filter" value=${current} onChange=${(e) => navigate(`/ui/changes${toQuery({ state: e.currentTarget.value })}`)}>
            ${STATE_FILTERS.map(([k, label]) => html`<option value=${k}>${label}</option>`)}
          </select>
        </div>
      </form>
      <${ErrorBox} error=${error} />
      ${
        data
          ? html`<p class="count">${fmtNumber(data.total)} request${data.total === 1 ? '' : 's'}</p>
          <div class="table-wrap" tabindex="0" role="region" aria-label="Change requests">
          <table class="list">
            <thead><tr><th scope="col">#</th><th scope="col">Kind</th><th scope="col">State</th><th scope="col">What</th><th scope="col">Requester</th>
            <th scope="col">Risk</th><th scope="col">Approvals</th><th scope="col">Expires</th></tr></thead>
            <tbody>
              ${data.changes.map(
                (c) => html`<tr>
                  <td><${Link} href=${`/ui/changes/${c.id}`}>#${c.id}</${Link}></td>
                  <td>${c.kind}</td>
                  <td><${StateBadge} state=${c.state} /></td>
                  <td>${clean(c.summary)}${c.ineligibleCount > 0 ? html` <span class="muted">(${c.ineligibleCount} ineligible)</span>` : null}</td>
                  <td>${clean(c.requester.name)}${c.llmOriginated ? html` <span class="chip">LLM</span>` : null}</td>
                  <td><span class=${`risk risk-${c.risk}`}>${c.risk}</span></td>
                  <td>${c.approvals.count} of ${c.approvals.required}</td>
                  <td title=${fmtDate(c.expiresAt)}>${c.state === 'pending' || c.state === 'approved' ? relative(c.expiresAt) : '—'}</td>
                </tr>`,
              )}
            </tbody>
          </table></div>
          <nav class="pager" aria-label="Pages">
            <button type="button" class="secondary" disabled=${offset === 0} onClick=${() =>
              navigate(`/ui/changes${toQuery({ ...queryParams(), offset: Math.max(0, offset - PAGE) })}`)}>Previous</button>
            <button type="button" class="secondary" disabled=${offset + PAGE >= data.total} onClick=${() =>
              navigate(`/ui/changes${toQuery({ ...queryParams(), offset: offset + PAGE })}`)}>Next</button>
          </nav>`
          : null
      }`;
  }
}
