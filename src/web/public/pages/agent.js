import { html, DataPage, api, Link, clean, fmtDate, relative, ErrorBox, StateBadge, toQuery } from '../lib.js';
import { DiffView } from '../diff.js';
import { subscribe } from '../live.js';

function Attributes({ title, attrs }) {
  const entries = Object.entries(attrs ?? {});
  return html`<section><h2>${title}</h2>
    ${
      entries.length === 0
        ? html`<p class="muted">none reported</p>`
        : html`<table class="kv"><tbody>${entries.map(([k, v]) => html`<tr><th scope="row">${clean(k)}</th><td>${clean(v)}</td></tr>`)}</tbody></table>`
    }
  </section>`;
}

/** The OpAMP ComponentHealth tree as nested lists. */
function HealthTree({ node, name }) {
  if (!node || typeof node !== 'object') return html`<p class="muted">Health not reported.</p>`;
  const children = Object.entries(node.components ?? {});
  return html`<li>
    <span class=${`badge ${node.healthy ? 'ok' : 'bad'}`}>${node.healthy ? 'healthy' : 'unhealthy'}</span>
    <strong>${clean(name)}</strong>
    ${node.status ? html` <span>${clean(node.status)}</span>` : null}
    ${node.lastError ? html` <span class="err-text">${clean(node.lastError)}</span>` : null}
    ${children.length > 0 ? html`<ul>${children.map(([k, v]) => html`<${HealthTree} key=${k} name=${k} node=${v} />`)}</ul>` : null}
  </li>`;
}

export class AgentPage extends DataPage {
  state = { ...this.state, diffConfig: '', diff: null, diffError: null };
  componentDidMount() {
    super.componentDidMount();
    this.unsubscribe = subscribe((type) => (type === 'fleet' || type === 'rollout' || type === 'change') && this.refreshSoon(1500));
  }
  async load() {
    const uid = this.props.uid.toLowerCase();
    const [agent, remote, creds, changes, configs] = await Promise.all([
      api('GET', `/api/agents/${uid}`),
      api('GET', `/api/agents/${uid}/remote-config`),
      api('GET', `/api/agents/${uid}/credentials`).catch((e) => ({ error: e })),
      api('GET', `/api/changes${toQuery({ agent: uid, limit: 20 })}`),
      api('GET', '/api/configs'),
    ]);
    return { agent, remote, creds, changes, configs };
  }
  diff = async (e) => {
    e.preventDefault();
    try {
      const d = await api('GET', `/api/agents/${this.props.uid.toLowerCase()}/config-diff${toQuery({ config: this.state.diffConfig })}`);
      this.setState({ diff: d, diffError: null });
    } catch (diffError) {
      this.setState({ diffError, diff: null });
    }
  };
  render() {
    const { data, error } = this.state;
    if (!data) return html`<h1>Agent</h1><${ErrorBox} error=${error} />${error ? null : html`<p class="muted">Loading…</p>`}`;
    const { agent: a, remote, creds, changes, configs } = data;
    const name = a.identifyingAttributes['service.name'] ?? a.nonIdentifyingAttributes['host.name'] ?? 'agent';
    return html`
      <p class="crumbs"><${Link} href="/ui/fleet">Fleet</${Link}> / agent</p>
      <h1>${clean(name)} <span class="mono small">${a.uid}</span></h1>
      <${ErrorBox} error=${error} />
      <dl class="facts">
        <div><dt>Connection</dt><dd>${
          a.connected
            ? html`<span class="badge ok">connected</span> over ${clean(a.transport)}`
            : html`<span class="badge off">disconnected</span> ${relative(a.disconnectedAt)}`
        }</dd></div>
        <div><dt>Health</dt><dd>${
          a.healthy === null ? 'not reported' : a.healthy ? html`<span class="badge ok">healthy</span>` : html`<span class="badge bad">unhealthy</span>`
        }</dd></div>
        <div><dt>First seen</dt><dd>${fmtDate(a.firstSeen)}</dd></div>
        <div><dt>Last seen</dt><dd>${fmtDate(a.lastSeen)} (${relative(a.lastSeen)})</dd></div>
        <div><dt>Capabilities</dt><dd>${a.capabilities.map((c) => html`<span class="chip">${c}</span>`)}</dd></div>
      </dl>
      <div class="cols">
        <${Attributes} title="Identifying attributes" attrs=${a.identifyingAttributes} />
        <${Attributes} title="Non-identifying attributes" attrs=${a.nonIdentifyingAttributes} />
      </div>

      <section><h2>Health</h2>${
        a.health ? html`<ul class="tree"><${HealthTree} node=${a.health} name="agent" /></ul>` : html`<p class="muted">Health not reported.</p>`
      }</section>

      <section>
        <h2>Remote config</h2>
        <dl class="facts">
          <div><dt>Sync</dt><dd>${
            remote.inSync === null
              ? 'no config assigned by ampgate'
              : remote.inSync
                ? html`<span class="badge ok">in sync</span>`
                : html`<span class="badge warn">out of sync</span>`
          }</dd></div>
          <div><dt>Desired</dt><dd>${
            remote.desired
              ? html`${clean(remote.desired.label)} <span class="mono">${remote.desired.configHash.slice(
                  0,
                  12,
                )}</span> (${remote.desired.status}, change <${Link} href=${`/ui/changes/${remote.desired.changeId}`}>#${remote.desired.changeId}</${Link}>)`
              : '—'
          }</dd></div>
          <div><dt>Reported</dt><dd>${
            remote.reported
              ? html`${clean(remote.reported.status)} <span class="mono">${clean(remote.reported.hash).slice(0, 12)}</span> ${clean(
                  remote.reported.errorMessage ?? '',
                )}`
              : 'nothing reported'
          }</dd></div>
          <div><dt>Effective config hash</dt><dd class="mono">${a.effectiveConfigHash ? a.effectiveConfigHash.slice(0, 16) : '—'}</dd></div>
          ${remote.pause ? html`<div><dt>Pause</dt><dd>${clean(remote.pause.state)} (${clean(remote.pause.method)})</dd></div>` : null}
        </dl>
      </section>

      <section>
        <h2>Effective config</h2>
        ${
          a.effectiveConfig
            ? Object.entries(a.effectiveConfig).map(
                ([file, f]) => html`<h3 class="mono">${clean(file || '(default)')}</h3><pre class="code-block" tabindex="0">${clean(f.body)}</pre>`,
              )
            : html`<p class="muted">Not reported.</p>`
        }
        <form class="inline" onSubmit=${this.diff}>
          <label for="diff-config">Compare with catalog config</label>
          <select id="diff-config" value=${this.state.diffConfig} onChange=${(e) => this.setState({ diffConfig: e.currentTarget.value })} required>
            <option value="">choose…</option>
            ${configs.configs.map((c) => html`<option value=${c.name}>${clean(c.name)} (v${c.latestVersion})</option>`)}
          </select>
          <button type="submit" class="secondary">Show diff</button>
        </form>
        <${ErrorBox} error=${this.state.diffError} />
        ${
          this.state.diff
            ? html`<p>${
                this.state.diff.identical
                  ? 'The agent runs exactly this version.'
                  : `Effective config (left) against ${clean(this.state.diff.config)} v${this.state.diff.version} (right).`
              }</p>
            <${DiffView} diff=${this.state.diff.diff}
            leftTitle="agent's effective config"
            rightTitle=${`${clean(this.state.diff.config)} v${this.state.diff.version}`} />`
            : null
        }
      </section>

      <section>
        <h2>Credentials</h2>
        ${
          creds.error
            ? html`<${ErrorBox} error=${creds.error} />`
            : html`<p class="help">Fingerprints only; secrets are never shown.</p>
            <p>Authenticated now: ${
              creds.currentAuth
                ? html`${clean(creds.currentAuth.method)} ${
                    creds.currentAuth.credential ? html`<span class="mono">${clean(creds.currentAuth.credential.fingerprint)}</span>` : ''
                  }`
                : 'unknown (not connected since start)'
            }</p>
            ${
              creds.credentials.length === 0
                ? html`<p class="muted">No per-agent credential.</p>`
                : html`<table class="list"><thead><tr><th scope="col">Kind</th><th scope="col">Fingerprint</th><th scope="col">Status</th>
                <th scope="col">Created</th><th scope="col">Expires</th></tr></thead>
                <tbody>${creds.credentials.map(
                  (c) =>
                    html`<tr><td>${clean(c.kind)}</td><td class="mono">${clean(
                      c.fingerprint,
                    )}</td><td>${clean(c.status)}</td><td>${fmtDate(c.createdAt)}</td><td>${fmtDate(c.expiresAt)}</td></tr>`,
                )}</tbody></table>`
            }
            ${
              creds.rotations.length > 0
                ? html`<h3>Rotations</h3><ul>${creds.rotations.map(
                    (r) =>
                      html`<li>${clean(r.credential)}: ${clean(r.state)} (change <${Link}
                        href=${`/ui/changes/${r.changeId}`}>#${r.changeId}</${Link}>) ${fmtDate(r.updatedAt)} ${clean(r.detail)}</li>`,
                  )}</ul>`
                : null
            }
            <p>Connection settings offers: ${
              creds.connectionSettings.acceptsOffers ? 'accepted by this agent' : 'not supported by this agent (manual rotation)'
            }</p>`
        }
      </section>

      <section>
        <h2>Change requests that touched this agent</h2>
        ${
          changes.changes.length === 0
            ? html`<p class="muted">None.</p>`
            : html`<table class="list"><thead><tr><th scope="col">#</th><th scope="col">Kind</th><th scope="col">State</th><th scope="col">Summary</th>
            <th scope="col">Requested</th></tr></thead>
            <tbody>${changes.changes.map(
              (c) => html`<tr><td><${Link} href=${`/ui/changes/${c.id}`}>#${c.id}</${Link}></td><td>${c.kind}</td><td><${StateBadge} state=${c.state} />
              </td><td>${clean(c.summary)}</td>
              <td>${fmtDate(c.createdAt)}</td></tr>`,
            )}</tbody></table>`
        }
      </section>`;
  }
}
