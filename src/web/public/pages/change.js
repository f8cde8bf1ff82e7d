import { html, DataPage, api, Link, clean, fmtDate, relative, ErrorBox, StateBadge, session, hasRole, fmtNumber } from '../lib.js';
import { DiffView } from '../diff.js';
import { subscribe } from '../live.js';

const OPEN = new Set(['pending', 'approved', 'executing']);

function Breakdown({ breakdown }) {
  const keys = Object.entries(breakdown ?? {});
  if (keys.length === 0) return html`<p class="muted">No labelled attributes.</p>`;
  return html`<div class="cols">${keys.map(
    ([k, values]) =>
      html`<table class="kv small"><caption>${clean(k)}</caption><tbody>${Object.entries(values).map(
        ([v, n]) => html`<tr><th scope="row">${clean(v)}</th><td>${fmtNumber(n)}</td></tr>`,
      )}</tbody></table>`,
  )}</div>`;
}

/** One change request with everything an approver needs, and the decision buttons. */
export class ChangePage extends DataPage {
  state = { ...this.state, comment: '', actionError: null, busy: false, done: null };
  componentDidMount() {
    super.componentDidMount();
    this.unsubscribe = subscribe((type, d) => d.id === this.props.id && this.refreshSoon(type === 'rollout' ? 800 : 200));
  }
  load() {
    return api('GET', `/api/changes/${this.props.id}`);
  }
  async act(action) {
    const r = this.state.data;
    this.setState({ busy: true, actionError: null, done: null });
    try {
      const body = { comment: this.state.comment || undefined, ...(action === 'approve' ? { fingerprint: r.fingerprint } : {}) };
      const updated = await api('POST', `/api/changes/${r.id}/${action}`, body);
      this.setState({
        data: updated,
        busy: false,
        comment: '',
        done: `${action === 'approve' ? 'Approved' : action === 'reject' ? 'Rejected' : 'Cancelled'}: the request is now ${updated.state}.`,
      });
    } catch (actionError) {
      this.setState({ actionError, busy: false });
    }
  }
  render() {
    const { data: r, error } = this.state;
    if (!r) return html`<h1>Change request #${this.props.id}</h1><${ErrorBox} error=${error} />`;
    const me = session.principal;
    const mine = me && r.requester.kind === me.kind && r.requester.id === me.id;
    const approvals = r.approvals.filter((a) => a.decision === 'approve');
    const p = r.preview;
    return html`
      <p class="crumbs"><${Link} href="/ui/changes">Change requests</${Link}> / #${r.id}</p>
      <h1>#${r.id}: ${clean(p.summary)}</h1>
      <${ErrorBox} error=${error} />
      <dl class="facts">
        <div><dt>State</dt><dd><${StateBadge} state=${r.state} />${
          r.hold ? html` held: ${clean(r.hold.reason)}${r.hold.until ? ` until ${fmtDate(r.hold.until)}` : ''}` : null
        }</dd></div>
        <div><dt>Kind</dt><dd>${r.kind}</dd></div>
        <div><dt>Requester</dt><dd>${clean(r.requester.name)} <span class="mono small">${clean(
          `${r.requester.kind}:${r.requester.id}`,
        )}</span> via ${r.channel}${r.llmOriginated ? html` <span class="chip">proposed by an LLM</span>` : null}</dd></div>
        <div><dt>Reason</dt><dd class="reason">${clean(r.reason)}</dd></div>
        <div><dt>Target</dt><dd>${
          r.target.selector !== undefined
            ? html`selector <code>${clean(r.target.selector)}</code>`
            : html`${r.target.agents.length} agent uid${r.target.agents.length === 1 ? '' : 's'}`
        }</dd></div>
        <div><dt>Eligible agents</dt><dd><strong>${fmtNumber(r.targets.length)}</strong>${
          r.ineligible.length > 0 ? html`, ${fmtNumber(r.ineligible.length)} ineligible` : null
        }</dd></div>
        <div><dt>Risk</dt><dd><span class=${`risk risk-${r.risk}`}>${r.risk}</span></dd></div>
        <div><dt>Approvals</dt><dd>${approvals.length} of ${r.requiredApprovals} needed${
          approvals.length > 0 ? html`: ${approvals.map((a, i) => html`${i > 0 ? ', ' : ''}${clean(a.principal.name)} (${fmtDate(a.at)})`)}` : null
        }</dd></div>
        <div><dt>Expires</dt><dd>${fmtDate(r.expiresAt)} (${relative(r.expiresAt)})</dd></div>
        <div><dt>Fingerprint</dt><dd class="mono">${r.fingerprint}</dd></div>
        <div><dt>Created</dt><dd>${fmtDate(r.createdAt)}</dd></div>
        ${r.resultSummary ? html`<div><dt>Result</dt><dd>${clean(r.resultSummary)}</dd></div>` : null}
      </dl>

      ${
        OPEN.has(r.state) && r.state !== 'executing'
          ? html`<section class="decide" aria-labelledby="decide-h">
            <h2 id="decide-h">Decision</h2>
            ${mine ? html`<p class="info">You proposed this request. Someone else must approve it; you may cancel it.</p>` : null}
            <label for="comment">Comment (optional)</label>
            <textarea id="comment" rows="2" value=${this.state.comment} onInput=${(e) => this.setState({ comment: e.currentTarget.value })}></textarea>
            <p class="help">Approving vouches for fingerprint <span class="mono">${r.fingerprint.slice(
              0,
              12,
            )}</span>; if the targets or payload drift before execution, nothing is sent.</p>
            <div class="buttons">
              ${
                hasRole('approver') && r.state === 'pending'
                  ? html`<button type="button" class="approve" disabled=${this.state.busy} onClick=${() => this.act('approve')}>Approve</button>`
                  : null
              }
              ${
                hasRole('approver') || mine
                  ? html`<button type="button" class="reject" disabled=${this.state.busy} onClick=${() => this.act('reject')}>Reject</button>`
                  : null
              }
              <button type="button" class="secondary" disabled=${this.state.busy} onClick=${() => this.act('cancel')}>Cancel request</button>
            </div>
            <${ErrorBox} error=${this.state.actionError} />
          </section>`
          : null
      }
      ${this.state.done ? html`<p class="ok-text" role="status">${this.state.done}</p>` : null}
      ${
        r.kind === 'config_push' && !['pending', 'rejected', 'cancelled', 'expired'].includes(r.state)
          ? html`<p><${Link} href=${`/ui/rollouts/${r.id}`}>Watch the rollout of #${r.id}</${Link}></p>`
          : null
      }

      <section><h2>Plan</h2><ol>${p.steps.map((s) => html`<li>${clean(s)}</li>`)}</ol>
        ${
          p.details
            ? html`<table class="kv small"><tbody>${Object.entries(p.details).map(
                ([k, v]) => html`<tr><th scope="row">${clean(k)}</th><td>${clean(v)}</td></tr>`,
              )}</tbody></table>`
            : null
        }
      </section>
      <section><h2>Label breakdown</h2><${Breakdown} breakdown=${p.labelBreakdown} /></section>
      ${
        r.ineligible.length > 0
          ? html`<section><h2>Ineligible agents (${fmtNumber(r.ineligible.length)})</h2>
            <table class="list"><thead><tr><th scope="col">Agent</th><th scope="col">Why</th></tr></thead>
            <tbody>${r.ineligible
              .slice(0, 200)
              .map(
                (i) => html`<tr><td><${Link} class="mono" href=${`/ui/agents/${i.uid}`}>${i.uid}</${Link}></td><td>${clean(i.reason)}</td></tr>`,
              )}</tbody></table>
            ${r.ineligible.length > 200 ? html`<p class="muted">First 200 of ${fmtNumber(r.ineligible.length)}.</p>` : null}</section>`
          : null
      }
      ${
        p.diffs && p.diffs.length > 0
          ? html`<section><h2>Diff</h2>${p.diffs.map(
              (d) =>
                html`<h3>${fmtNumber(d.agents.length)} agent${
                  d.agents.length === 1 ? '' : 's'
                } with this current config</h3><${DiffView} diff=${d.diff} leftTitle="current effective config" rightTitle="after this change" />`,
            )}</section>`
          : null
      }
      ${
        r.approvals.length > 0
          ? html`<section><h2>Decisions</h2><ul>${r.approvals.map(
              (a) =>
                html`<li>${
                  a.decision === 'approve' ? 'Approved' : 'Rejected'
                } by ${clean(a.principal.name)} at ${fmtDate(a.at)}${a.comment ? html`: “${clean(a.comment)}”` : null}</li>`,
            )}</ul></section>`
          : null
      }`;
  }
}
