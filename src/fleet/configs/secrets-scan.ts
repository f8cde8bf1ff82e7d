/**
 * @module Refuses config bodies that hold literal secrets. Config versions are stored, shown in
 * diffs on approval cards, in Slack threads and MCP output; ampgate promises secrets never reach
 * those. Collector and Fluent Bit configs can reference secrets from the agent's environment
 * instead (`${env:NAME}`, `${NAME}`), which is what the error message asks for.
 */
import type { Node } from 'yaml';
import { yaml } from './yaml-lib.js';
import { TOKEN_PATTERN } from '../../shared/secrets.js';
import type { ConfigProblem, ParsedYaml } from './validate.js';

/** Keys whose values are secrets (matched on the last segment: `client_auth.password`, `HTTP_Passwd`, `x-api-key`). */
const SECRET_KEY =
  /(^|[_.\-\s])(pass(word|wd)?|secret|secret[_-]?(access[_-]?)?key|token|bearer[_-]?token|api[_-]?key|apikey|authorization|private[_-]?key|credentials?)$/i;

function literal(value: string): boolean {
  const v = value.trim();
  return v !== '' && !v.includes('${');
}

function message(key: string): string {
  return (
    `"${key}" holds a literal secret; reference it from the agent's environment instead (e.g. ` +
    `\${env:${key.replace(/[^A-Za-z0-9]+/g, '_').toUpperCase()}}): config bodies are shown to approvers, in Slack and over MCP`
  );
}

/** Problems for literal secrets in a YAML/JSON document. */
export function scanYamlSecrets(y: ParsedYaml): ConfigProblem[] {
  const { isMap, isScalar, isSeq } = yaml();
  const problems: ConfigProblem[] = [];
  const at = (n: Node | null | undefined) => (n?.range ? y.lines.linePos(n.range[0]) : undefined);
  const walk = (node: unknown): void => {
    if (isMap(node)) {
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
        const value = pair.value;
        if (key !== undefined && SECRET_KEY.test(key) && isScalar(value) && typeof value.value === 'string' && literal(value.value)) {
          const pos = at(value as Node);
          problems.push({ message: message(key), line: pos?.line, column: pos?.col });
        }
        walk(value);
      }
    } else if (isSeq(node)) {
      for (const item of node.items) walk(item);
    }
  };
  walk(y.doc.contents);
  return problems;
}

/** Problems for literal secrets in a Fluent Bit classic config (`Key value` lines). */
export function scanFluentBitSecrets(body: string): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  body.split(/\r?\n/).forEach((line, i) => {
    const m = /^\s+(\S+)\s+(\S.*)$/.exec(line);
    if (m && SECRET_KEY.test(m[1]!) && literal(m[2]!)) problems.push({ message: message(m[1]!), line: i + 1, column: line.indexOf(m[2]!) + 1 });
  });
  return problems;
}

/** ampgate's own tokens must never be inside a config, whatever the key. */
export function scanTokens(body: string): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const m of body.matchAll(new RegExp(TOKEN_PATTERN.source, 'g'))) {
    const before = body.slice(0, m.index);
    problems.push({
      message: 'the config contains an ampgate token; agents get their credentials through OpAMP, never through config',
      line: before.split('\n').length,
    });
  }
  return problems;
}
