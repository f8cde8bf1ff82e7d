import { html, Component, DataPage, api, Link, clean, fmtDate, ErrorBox, hasRole, toQuery } from '../lib.js';
import { DiffView } from '../diff.js';

const TYPES = [
  ['text/yaml', 'YAML (OTel Collector)'],
  ['application/json', 'JSON'],
  ['text/x-fluent-bit', 'Fluent Bit (classic)'],
];

/** The body with line numbers; lines with validation problems are marked and carry the message. */
function AnnotatedBody({ body, problems }) {
  const byLine = new Map();
  for (const p of problems) if (p.line) byLine.set(p.line, [...(byLine.get(p.line) ?? []), p]);
  const lines = body.split('\n');
  return html`<ol class="annotated" aria-label="Config body with validation problems">
    ${lines.map((text, i) => {
      const here = byLine.get(i + 1);
      return html`<li class=${here ? 'bad-line' : ''} data-line=${i + 1}>
        <code>${clean(text) || ' '}</code>
        ${here ? here.map((p) => html`<span class="line-error" role="note">line ${p.line}${p.column ? `:${p.column}` : ''}: ${clean(p.message)}</span>`) : null}
      </li>`;
    })}
  </ol>`;
}

class Upload extends Component {
  state = {
    name: this.props.name ?? '',
    contentType: 'text/yaml',
    body: '',
    comment: '',
    description: '',
    error: null,
    problems: null,
    result: null,
    busy: false,
  };
  set = (k) => (e) => this.setState({ [k]: e.currentTarget.value });
  submit = async (e) => {
    e.preventDefault();
    this.setState({ busy: true, error: null, problems: null, result: null });
    const s = this.state;
    try {
      const r = await api('POST', '/api/configs', {
        name: s.name,
        body: s.body,
        contentType: s.contentType,
        comment: s.comment || undefined,
        description: s.description || undefined,
      });
      this.setState({ busy: false, result: r });
      this.props.onUploaded?.(r);
    } catch (error) {
      this.setState({ busy: false, error, problems: Array.isArray(error.details?.problems) ? error.details.problems : null });
    }
  };
  render() {
    const s = this.state;
    return html`<form class="upload" onSubmit=${this.submit} aria-labelledby="upload-h">
      <h2 id="upload-h">${this.props.name ? 'Add a version' : 'Upload a config'}</h2>
      <div class="row">
        <div class="field"><label for="up-name">Name</label>
        <input id="up-name" required value=${s.name} onInput=${this.set('name')} readonly=${!!this.props.name} /></div>
        <div class="field"><label for="up-type">Content type</label>
          <select id="up-type" value=${s.contentType} onChange=${this.set('contentType')}>${TYPES.map(
            ([v, t]) => html`<option value=${v}>${t}</option>`,
          )}</select></div>
        <div class="field grow"><label for="up-comment">Comment</label><input id="up-comment" value=${s.comment} onInput=${this.set('comment')} /></div>
      </div>
      <label for="up-body">Body</label>
      <textarea id="up-body" class="code-input" rows="14" required spellcheck="false" value=${s.body} onInput=${this.set('body')}></textarea>
      <p class="help">Validated on upload: YAML/JSON must parse,
      Collector pipelines may only use components they define, literal secrets are refused (use <code>${'${env:NAME}'}</code>).</p>
      <button type="submit" disabled=${s.busy}>Validate and upload</button>
      <${ErrorBox} error=${s.error} />
      ${s.problems?.some((p) => p.line) ? html`<h3>Problems at their lines</h3><${AnnotatedBody} body=${s.body} problems=${s.problems} />` : null}
      ${
        s.result
          ? html`<p class="ok-text" role="status">${
              s.result.created ? 'Stored' : 'Identical to'
            } ${clean(s.result.version.name)} v${s.result.version.version}. <${Link} href=${`/ui/configs/${encodeURIComponent(
              s.result.version.name,
            )}`}>Open it</${Link}></p>`
          : null
      }
    </form>`;
  }
}

export class ConfigsPage extends DataPage {
  load() {
    return api('GET', '/api/configs');
  }
  render() {
    const { data, error } = this.state;
    return html`<h1>Configs</h1><${ErrorBox} error=${error} />
      ${
        data
          ? html`<table class="list"><thead><tr><th scope="col">Name</th><th scope="col">Type</th><th scope="col">Latest</th><th scope="col">Versions</th>
          <th scope="col">Updated</th><th scope="col">Description</th></tr></thead>
          <tbody>${data.configs.map(
            (c) => html`<tr><td><${Link} href=${`/ui/configs/${encodeURIComponent(c.name)}`}>${clean(c.name)}</${Link}></td><td>${clean(c.contentType)}</td>
            <td>v${c.latestVersion} <span class="mono small">${c.latestConfigHash.slice(0, 12)}</span></td>
              <td>${c.versions}</td><td>${fmtDate(c.updatedAt)}</td><td>${clean(c.description ?? '')}</td></tr>`,
          )}</tbody></table>`
          : null
      }
      ${hasRole('proposer') ? html`<${Upload} onUploaded=${() => this.refresh()} />` : null}`;
  }
}

export class ConfigPage extends DataPage {
  state = { ...this.state, view: null, from: '', to: '', diff: null, diffError: null, agent: '', agentDiff: null };
  async load() {
    const c = await api('GET', `/api/configs/${encodeURIComponent(this.props.name)}`);
    const latest = c.versions.at(-1)?.version ?? 1;
    const body = await api('GET', `/api/configs/${encodeURIComponent(this.props.name)}/versions/${this.state.view ?? latest}`);
    if (!this.state.to) this.setState({ to: String(latest), from: String(Math.max(1, latest - 1)) });
    return { c, body };
  }
  show(v) {
    this.setState({ view: v }, () => this.refresh());
  }
  diff = async (e) => {
    e.preventDefault();
    try {
      const d = await api('GET', `/api/configs/${encodeURIComponent(this.props.name)}/diff${toQuery({ from: this.state.from, to: this.state.to })}`);
      this.setState({ diff: d, diffError: null, agentDiff: null });
    } catch (diffError) {
      this.setState({ diffError, diff: null });
    }
  };
  agentDiff = async (e) => {
    e.preventDefault();
    try {
      const d = await api(
        'GET',
        `/api/agents/${encodeURIComponent(this.state.agent.trim().toLowerCase())}/config-diff${toQuery({ config: this.props.name, version: this.state.to })}`,
      );
      this.setState({ agentDiff: d, diffError: null, diff: null });
    } catch (diffError) {
      this.setState({ diffError, agentDiff: null });
    }
  };
  render() {
    const { data, error } = this.state;
    if (!data) return html`<h1>Config ${clean(this.props.name)}</h1><${ErrorBox} error=${error} />`;
    const { c, body } = data;
    const options = c.versions.map((v) => html`<option value=${String(v.version)}>v${v.version}</option>`);
    return html`
      <p class="crumbs"><${Link} href="/ui/configs">Configs</${Link}> / ${clean(c.name)}</p>
      <h1>${clean(c.name)}</h1>
      <p>${clean(c.description ?? '')} <span class="muted">${clean(c.contentType)}, file key <code>${clean(c.fileKey ?? '')}</code></span></p>
      <section><h2>Versions</h2>
        <table class="list"><thead><tr><th scope="col">Version</th><th scope="col">Hash</th><th scope="col">Author</th><th scope="col">Comment</th>
        <th scope="col">Created</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
          <tbody>${c.versions.map(
            (v) => html`<tr aria-current=${
              body.version === v.version ? 'true' : undefined
            }><td>v${v.version}</td><td class="mono small">${v.configHash.slice(0, 12)}</td><td>${clean(v.author)}</td>
              <td>${clean(v.comment ?? '')}</td><td>${fmtDate(v.createdAt)}</td>
              <td><button type="button" class="secondary small"
                onClick=${() => this.show(v.version)}
                aria-label=${`Show version ${v.version}`}>Show</button></td></tr>`,
          )}</tbody></table>
      </section>
      <section><h2>Version ${body.version}</h2><pre class="code-block" tabindex="0">${clean(body.body)}</pre></section>
      <section><h2>Compare</h2>
        <form class="inline" onSubmit=${this.diff}>
          <label for="from">From</label><select id="from" value=${this.state.from} onChange=${(e) =>
            this.setState({ from: e.currentTarget.value })}>${options}</select>
          <label for="to">To</label><select id="to" value=${this.state.to} onChange=${(e) => this.setState({ to: e.currentTarget.value })}>${options}</select>
          <button type="submit" class="secondary">Diff versions</button>
        </form>
        <form class="inline" onSubmit=${this.agentDiff}>
          <label for="agent-uid">Against an agent</label>
          <input id="agent-uid" class="mono" placeholder="agent uid" value=${this.state.agent} onInput=${(e) =>
            this.setState({ agent: e.currentTarget.value })} required />
          <button type="submit" class="secondary">Diff against agent</button>
        </form>
        <${ErrorBox} error=${this.state.diffError} />
        ${
          this.state.diff
            ? html`<${DiffView} diff=${this.state.diff.diff} leftTitle=${`v${this.state.diff.from}`} rightTitle=${`v${this.state.diff.to}`} />`
            : null
        }
        ${
          this.state.agentDiff
            ? html`<p>${
                this.state.agentDiff.identical
                  ? 'The agent runs exactly this version.'
                  : this.state.agentDiff.effectiveConfigReported
                    ? ''
                    : 'The agent has not reported its effective config.'
              }</p>
            <${DiffView} diff=${this.state.agentDiff.diff} leftTitle="agent's effective config" rightTitle=${`v${this.state.agentDiff.version}`} />`
            : null
        }
      </section>
      ${hasRole('proposer') ? html`<${Upload} name=${c.name} onUploaded=${() => this.setState({ view: null }, () => this.refresh())} />` : null}`;
  }
}
