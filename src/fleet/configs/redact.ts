/**
 * @module Redaction of credential-looking values in config text before it is shown to a language
 * model or posted to chat. Agents' effective configs and catalog configs may carry API keys in
 * exporter headers; only the key names survive.
 */

const SECRET_KEY =
  /(pass(word|wd)?|secret|token|api[_-]?key|apikey|authorization|bearer|private[_-]?key|client[_-]?key|credential|access[_-]?key|session[_-]?key)/i;

/**
 * Replaces the value of `key: value` (YAML), `"key": "value"` (JSON) and `key value` (Fluent Bit)
 * lines whose key looks secret, plus inline `Bearer …` tokens and PEM private keys.
 */
export function redactConfigText(text: string): string {
  return text
    .replace(/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g, '[redacted private key]')
    .replace(/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/g, '$1 [redacted]')
    .replace(/("([\w.-]+)"\s*:\s*)"((?:[^"\\]|\\.)*)"/g, (m, head: string, key: string) => (SECRET_KEY.test(key) ? `${head}"[redacted]"` : m))
    .split('\n')
    .map((line) => {
      const yaml = /^(\s*-?\s*["']?([\w.-]+)["']?\s*:\s*)(.+)$/.exec(line);
      if (yaml && SECRET_KEY.test(yaml[2]!) && !/^[|>{[]\s*$/.test(yaml[3]!.trim()) && !/^\$\{[^}]+\}$/.test(yaml[3]!.trim().replace(/^["']|["'],?$/g, ''))) {
        return `${yaml[1]}"[redacted]"${yaml[3]!.trim().endsWith(',') ? ',' : ''}`;
      }
      const fb = /^(\s*([\w.-]+)\s+)(\S.*)$/.exec(line);
      if (fb && !line.includes(':') && SECRET_KEY.test(fb[2]!)) return `${fb[1]}[redacted]`;
      return line;
    })
    .join('\n');
}
