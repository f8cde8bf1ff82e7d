import { describe, expect, it } from 'vitest';
import type { ChangeRequest } from '../changes/types.js';
import { approvalCard, instantText, requesterText } from './blocks.js';

/** Slack's Block Kit limits, restated from its reference (not imported, so the test checks the code). */
function violations(blocks: Array<Record<string, unknown>>): string[] {
  const out: string[] = [];
  const text = (o: unknown) => ((o as { text?: unknown } | undefined)?.text as string | undefined) ?? '';
  if (blocks.length > 50) out.push(`${blocks.length} blocks`);
  const lone = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
  blocks.forEach((b, i) => {
    const check = (t: string, max: number, what: string) => {
      if (t.length > max) out.push(`block ${i} ${what}: ${t.length} > ${max}`);
      if (lone.test(t)) out.push(`block ${i} ${what}: half a surrogate pair`);
      if (t.split('```').length % 2 === 0) out.push(`block ${i} ${what}: open code fence`);
    };
    if (b.type === 'header') check(text(b.text), 150, 'header');
    if (b.type === 'section') {
      if (b.text) check(text(b.text), 3000, 'text');
      const fields = (b.fields as unknown[] | undefined) ?? [];
      if (fields.length > 10) out.push(`block ${i}: ${fields.length} fields`);
      fields.forEach((f, j) => check(text(f), 2000, `field ${j}`));
    }
    if (b.type === 'context') {
      const els = b.elements as unknown[];
      if (els.length > 10) out.push(`block ${i}: ${els.length} context elements`);
      els.forEach((e, j) => check(text(e), 3000, `context ${j}`));
    }
    if (b.type === 'actions') {
      for (const e of b.elements as Array<{ value?: string; text?: unknown }>) {
        if ((e.value ?? '').length > 2000) out.push(`block ${i}: button value too long`);
        check(text(e.text), 75, 'button');
      }
    }
  });
  return out;
}

const UID = '0190f3c4-8a6b-7c2e-9d1a-2b3c4d5e6f70';

function request(over: Partial<ChangeRequest> = {}): ChangeRequest {
  return {
    id: '42',
    kind: 'config_push',
    state: 'pending',
    requester: { kind: 'api_token', id: 't1', name: 'alice', role: 'proposer', llm: false },
    channel: 'rest',
    llmOriginated: false,
    reason: 'bigger batches',
    target: { selector: 'service.name=checkout,deployment.environment!=staging' },
    params: { config: 'gw', version: 3 },
    targets: [UID],
    ineligible: [],
    payloadFingerprint: 'p',
    fingerprint: 'f'.repeat(64),
    risk: 'medium',
    requiredApprovals: 1,
    approvals: [],
    preview: {
      summary: 'Push gw v3 to 1 agent',
      agentCount: 1,
      labelBreakdown: { 'service.name': { checkout: 1 } },
      ineligible: [],
      steps: ['canary: 1 agent'],
      diffs: [{ agents: [UID], diff: '-a\n+b\n' }],
    },
    idempotencyKey: 'k',
    createdAt: '2026-03-01T09:00:00.000Z',
    expiresAt: '2026-03-01T09:30:00.000Z',
    updatedAt: '2026-03-01T09:00:00.000Z',
    resultSummary: null,
    outcomes: [],
    ...over,
  };
}

/** The first `n` code points (the test's own inputs never hold half a pair). */
const cut = (text: string, n: number) => Array.from(text).slice(0, n).join('');

const ADVERSARIAL = [
  'x'.repeat(5000),
  '<'.repeat(1990),
  '&'.repeat(1990),
  '```'.repeat(700),
  '🚀'.repeat(1500),
  '👨‍👩‍👧‍👦'.repeat(300),
  'שלום مرحبا '.repeat(400),
  `${'a'.repeat(1899)}🚀<&`,
];

describe('approvalCard', () => {
  it('shows the exact selector, the expiry with date, time and time zone, and no buttons once decided', () => {
    const card = JSON.stringify(approvalCard(request()));
    expect(card).toContain('*Selector:* `service.name=checkout,deployment.environment!=staging`');
    expect(card).toContain('2026-03-01 09:30 UTC (<!date^1772357400^{date_short_pretty} {time} your time|2026-03-01 09:30 UTC>)');
    expect(card).toContain('change_approve');
    expect(JSON.stringify(approvalCard(request({ state: 'succeeded' })))).not.toContain('change_approve');
    expect(JSON.stringify(approvalCard(request({ target: { selector: '' } })))).toContain('`\\"\\"` (empty selector: every agent)');
    expect(JSON.stringify(approvalCard(request({ target: { agents: [UID] } })))).toContain(`1 uid(s): \`${UID}\``);
  });

  it('says who worded the request: a person, natural language in Slack, or an LLM agent via MCP', () => {
    const slackUser = { kind: 'slack' as const, id: 'U1', name: 'u1', role: 'proposer' as const, llm: true };
    expect(requesterText(request())).toBe('alice (api_token) via rest');
    expect(requesterText(request({ requester: slackUser, channel: 'slack', llmOriginated: true }))).toBe(
      '<@U1> via slack · _interpreted from natural language_',
    );
    const mcp = requesterText(request({ channel: 'mcp', llmOriginated: true }));
    expect(mcp).toBe('alice (api_token) · _proposed by an LLM agent via MCP_');
    expect(JSON.stringify(approvalCard(request({ channel: 'mcp', llmOriginated: true })))).toContain('proposed by an LLM agent via MCP');
  });

  it('puts plan warnings (a config type that does not match the agents) at the top, not in the plan', () => {
    const steps = ['canary: 1 agent', 'warning: this is a Fluent Bit config, but 3 of 3 targets run an OpenTelemetry Collector config'];
    const blocks = approvalCard(request({ preview: { ...request().preview, steps } }));
    const texts = blocks.map((b) => JSON.stringify(b));
    const warning = texts.findIndex((t) => t.includes(':warning: *Warning:* this is a Fluent Bit config'));
    expect(warning).toBe(2); // right under the summary
    expect(texts.find((t) => t.includes('*Plan*'))).not.toContain('Fluent Bit');
  });

  for (const [i, text] of ADVERSARIAL.entries()) {
    it(`stays within Slack's limits with adversarial text #${i} everywhere users and agents write`, () => {
      const r = request({
        reason: text,
        requester: { kind: 'api_token', id: 't1', name: text, role: 'proposer', llm: false },
        target: { selector: `service.name=${cut(text, 400)}` },
        ineligible: Array.from({ length: 40 }, (_, n) => ({ uid: `${UID.slice(0, -2)}${String(n).padStart(2, '0')}`, reason: text })),
        approvals: [
          {
            principal: { kind: 'slack', id: 'U2', name: text, role: 'approver', llm: false },
            decision: 'approve',
            comment: text,
            fingerprint: 'f',
            at: '2026-03-01T09:05:00.000Z',
          },
        ],
        resultSummary: text,
        outcomes: Array.from({ length: 30 }, (_, n) => ({ uid: `u${n}`, status: 'failed' as const, detail: text, at: 'x' })),
        preview: {
          summary: text,
          agentCount: 1,
          labelBreakdown: Object.fromEntries(Array.from({ length: 10 }, (_, n) => [`${cut(text, 100)}${n}`, { [cut(text, 200)]: 1 }])),
          ineligible: [],
          steps: Array.from({ length: 20 }, () => cut(text, 500)).concat([`warning: ${text}`]),
          diffs: [
            { agents: [UID], diff: `${text}\n\`\`\`\n${text}` },
            { agents: ['x'], diff: text },
          ],
          details: Object.fromEntries(Array.from({ length: 20 }, (_, n) => [`k${n}`, cut(text, 300)])),
        },
      });
      const blocks = approvalCard(r);
      expect(violations(blocks)).toEqual([]);
      // The approve button is there and intact: the card is still a way to approve.
      expect(JSON.stringify(blocks)).toContain(`"value":"42|${'f'.repeat(64)}"`);
    });
  }
});

describe('instantText', () => {
  it('falls back to the raw text for something that is not a date', () => {
    expect(instantText('soon <!here>')).toBe('soon &lt;!here&gt;');
  });
});
