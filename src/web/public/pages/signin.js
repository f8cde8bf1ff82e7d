import { html, Component, session, ErrorBox, ApiError } from '../lib.js';

/** Sign-in: an API token is exchanged for a session cookie; the token is not kept in the browser. */
export class SignIn extends Component {
  state = { token: '', error: null, busy: false };
  submit = async (e) => {
    e.preventDefault();
    this.setState({ busy: true, error: null });
    try {
      const res = await fetch('/ui/session', {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify({ token: this.state.token }),
      });
      const body = await res.json();
      if (!res.ok) throw new ApiError(res.status, body);
      this.setState({ token: '' });
      this.props.onSignedIn(body);
    } catch (error) {
      this.setState({ error, busy: false });
    }
  };
  render() {
    return html`<main id="main" class="signin">
      <h1>Sign in to ampgate</h1>
      ${session.endedReason ? html`<p class="info" role="status">${session.endedReason}</p>` : null}
      <form onSubmit=${this.submit}>
        <label for="token">API token</label>
        <input id="token" name="token" type="password" autocomplete="off" required value=${this.state.token}
          onInput=${(e) => this.setState({ token: e.currentTarget.value })} aria-describedby="token-help" />
        <p id="token-help" class="help">An <code>ampk_…</code> token from <code>ampgate tokens create</code>. It is exchanged for a session
          (an HttpOnly cookie); the console acts with the token's role.</p>
        <${ErrorBox} error=${this.state.error} />
        <button type="submit" disabled=${this.state.busy}>Sign in</button>
      </form>
    </main>`;
  }
}
