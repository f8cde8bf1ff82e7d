import { html, DataPage, api, Link, clean, fmtDate, relative, ErrorBox, StateBadge, fmtNumber, hasRole, toQuery } from '../lib.js';
import { subscribe } from '../live.js';

const OUTCOMES = ['pending', 'offered', 'applying', 'succeeded', 'failed', 'skipped'];
const OUTCOME_LABEL = { pending: 'waiting', offered: 'offered', applying: 'applying', succeeded: 'applied', failed: 'failed', skipped: 'skipped' };

export class RolloutsPage extends DataPage {
  componentDidMount() {
    super.componentDidMount();
    this.unsubscribe = subscribe((type) => (type === 'rollout' || type === 'change') && this.refreshSoon(1000));
  }
  load() {
    return api('GET', '/api/rollouts');
  }
  render() {
    const { data, error } = this.state;
    return html`<h1>Rollouts</h1><${ErrorBox} error=${error} />
      ${
        data
          ? data.rollouts.length === 0
            ? html`<p class="muted">No rollouts yet. A rollout starts when a config push is approved.</p>`
            : html`<table class="list"><thead><tr><th scope="col">Change</th><th scope="col">Config</th><th scope="col">State</th>
            <th scope="col">Stage</th><th scope="col">Started</th><th scope="col">Halt reason</th></tr></thead>
            <tbody>${data.rollouts.map(
              (r) => html`<tr><td><${Link} href=${`/ui/rollouts/${r.changeId}`}>#${r.changeId}</${Link}></td><td>${clean(r.label)}</td><td>
              <${StateBadge} state=${r.state} /></td>
                <td>${r.stage} of ${r.stageCount}</td><td>${fmtDate(r.startedAt)}</td><td>${clean(r.haltReason ?? '')}</td></tr>`,
            )}</tbody></table>`
          : null
      }`;
  }
}

/** One stage as a stacked bar of outcome counts (a <progress> for the applied share, plus numbers). */
function Stage({ s }) {
  const applied = s.outcomes.succeeded ?? 0;
  return html`<li class="stage">
    <h3>Stage ${s.stage} <span class="muted">(${fmtNumber(s.total)} agent${s.total === 1 ? '' : 's'})</span></h3>
    <progress max=${s.total} value=${applied} aria-label=${`stage ${s.stage}: ${applied} of ${s.total} applied`}></progress>
    <ul class="outcomes">
      ${OUTCOMES.filter((o) => s.outcomes[o]).map(
        (o) => html`<li class=${`outcome-${o}`} data-outcome=${o}><span class="num">${fmtNumber(s.outcomes[o])}</span> ${OUTCOME_LABEL[o]}</li>`,
      )}
    </ul>
  </li>`;
}

/** Live progress of one rollout: re-fetched on every server-sent notice for it. */
export class RolloutPage extends DataPage {
  state = { ...this.state, outcome: '', offset: 0, proposeError: null, proposed: null };
  componentDidMount() {
    super.componentDidMount();
    this.unsubscribe = subscribe((type, d) => d.id === this.props.id && (type === 'rollout' || type === 'change') && this.refreshSoon(300));
  }
  async load() {
    const view = await api('GET', `/api/rollouts/${this.props.id}${toQuery({ limit: 100, offset: this.state.offset, outcome: this.state.outcome })}`);
    const rollback = view.state === 'running' ? null : await api('GET', `/api/rollouts/${this.props.id}/rollback`).catch((e) => ({ error: e }));
    return { view, rollback };
  }
  propose = async () => {
    this.setState({ proposeError: null });
    try {
      const r = await api('POST', `/api/rollouts/${this.props.id}/rollback`, {});
      this.setState({ proposed: r.requests.map((x) => x.request) });
    } catch (proposeError) {
      this.setState({ proposeError });
    }
  };
  render() {
    const { data, error } = this.state;
    if (!data) return html`<h1>Rollout of #${this.props.id}</h1><${ErrorBox} error=${error} />`;
    const { view: v, rollback } = data;
    return html`
      <p class="crumbs"><${Link} href="/ui/rollouts">Rollouts</${Link}> / #${v.changeId}</p>
      <h1>Rollout of ${clean(v.label)} <span class="muted">(change <${Link} href=${`/ui/changes/${v.changeId}`}>#${v.changeId}</${Link}>)</span></h1>
      <${ErrorBox} error=${error} />
      <dl class="facts">
        <div><dt>State</dt><dd><span data-rollout-state=${v.state}><${StateBadge} state=${v.state} /></span></dd></div>
        <div><dt>Stage</dt><dd>${v.stage} of ${v.stageCount}</dd></div>
        <div><dt>Started</dt><dd>${fmtDate(v.startedAt)} (${relative(v.startedAt)})</dd></div>
        <div><dt>Updated</dt><dd>${fmtDate(v.updatedAt)}</dd></div>
      </dl>
      ${v.haltReason ? html`<div class="error" role="alert"><strong>Halted:</strong> ${clean(v.haltReason)}</div>` : null}
      <section aria-labelledby="stages-h"><h2 id="stages-h">Progress per stage</h2>
        <ol class="stages" aria-live="polite">${v.stages.map((s) => html`<${Stage} key=${s.stage} s=${s} />`)}</ol>
      </section>
      <section><h2>Agents</h2>
        <div class="filters">
          <div class="field"><label for="outcome-filter">Outcome</label>
          <select id="outcome-filter" value=${this.state.outcome} onChange=${(e) =>
            this.setState({ outcome: e.currentTarget.value, offset: 0 }, () => this.refresh())}>
            <option value="">all</option>${OUTCOMES.map((o) => html`<option value=${o}>${OUTCOME_LABEL[o]}</option>`)}
          </select></div>
        </div>
        <p class="count">${fmtNumber(v.targetsTotal)} agent${v.targetsTotal === 1 ? '' : 's'}${
          v.targetsTotal > 100 ? `, showing ${this.state.offset + 1}–${Math.min(this.state.offset + 100, v.targetsTotal)}` : ''
        }</p>
        <table class="list"><thead><tr><th scope="col">Agent</th><th scope="col">Stage</th><th scope="col">Outcome</th><th scope="col">Detail</th>
        <th scope="col">Connected</th></tr></thead>
          <tbody>${v.targets.map(
            (t) => html`<tr><td><${Link} class="mono" href=${`/ui/agents/${t.uid}`}>${t.uid}</${Link}></td><td>${t.stage}</td>
              <td><span class=${`badge outcome-${t.outcome.status}`}>${
                OUTCOME_LABEL[t.outcome.status] ?? t.outcome.status
              }</span></td><td>${clean(t.outcome.detail)}</td><td>${t.connected ? 'yes' : 'no'}</td></tr>`,
          )}</tbody></table>
        <nav class="pager" aria-label="Pages">
          <button type="button" class="secondary" disabled=${this.state.offset === 0} onClick=${() =>
            this.setState({ offset: Math.max(0, this.state.offset - 100) }, () => this.refresh())}>Previous</button>
          <button type="button" class="secondary" disabled=${this.state.offset + 100 >= v.targetsTotal} onClick=${() =>
            this.setState({ offset: this.state.offset + 100 }, () => this.refresh())}>Next</button>
        </nav>
      </section>
      ${
        rollback
          ? html`<section><h2>Rollback</h2>
          ${
            rollback.error
              ? html`<${ErrorBox} error=${rollback.error} />`
              : html`${
                  rollback.proposals.length === 0
                    ? html`<p class="muted">Nothing to roll back.</p>`
                    : html`<p>Proposal${
                        rollback.proposals.length === 1 ? '' : 's'
                      } restoring the previous config (each is a new change request that needs approval):</p>
                  <ul>${rollback.proposals.map(
                    (p) =>
                      html`<li>${clean(p.reason)} <span class="muted">(${
                        p.target.agents ? `${p.target.agents.length} agents` : clean(p.target.selector)
                      })</span></li>`,
                  )}</ul>
                  ${hasRole('proposer') ? html`<button type="button" onClick=${this.propose}>Propose rollback</button>` : null}`
                }
              ${
                rollback.notCovered.length > 0
                  ? html`<p class="muted">${rollback.notCovered.length} agent(s) not covered: ${rollback.notCovered
                      .slice(0, 5)
                      .map((n) => `${n.uid.slice(0, 8)}… ${clean(n.reason)}`)
                      .join('; ')}</p>`
                  : null
              }`
          }
          <${ErrorBox} error=${this.state.proposeError} />
          ${
            this.state.proposed
              ? html`<p role="status">Proposed: ${this.state.proposed.map((r) => html`<${Link} href=${`/ui/changes/${r.id}`}>#${r.id}</${Link}> `)}</p>`
              : null
          }
        </section>`
          : null
      }`;
  }
}
