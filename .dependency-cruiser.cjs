/**
 * The dependency rule of src/, written once (ARCHITECTURE.md, "Dependency rule", shows the same
 * table). Checked by `npm run lint:deps` (in `npm run lint` and CI) and proven to fail on a wrong
 * import by test/house/dependency-rule.test.ts.
 *
 * LAYERS says, for each part of src/, which other parts its non-test files may import. Anything
 * else is a violation ("not-in-allowed"). Tests (*.test.ts) are not checked.
 */

/** Path patterns of the parts of src/. */
const PARTS = {
  gen: '^src/gen/',
  shared: '^src/shared/',
  protocol: '^src/protocol/',
  storePorts: '^src/store/ports/',
  store: '^src/store/(?!ports/)',
  changes: '^src/changes/',
  fleet: '^src/fleet/',
  creds: '^src/creds/',
  opamp: '^src/opamp/',
  intent: '^src/intent/',
  api: '^src/api/',
  web: '^src/web/',
  mcp: '^src/mcp/',
  slack: '^src/slack/',
  cli: '^src/cli/',
  demo: '^src/demo/',
  config: '^src/(config|settings-check)\\.ts$',
  app: '^src/app/',
};

const domain = ['changes', 'fleet', 'creds'];
const base = ['shared', 'protocol', 'gen'];

/** part -> the parts it may import (besides itself). The graph is acyclic: no folder-level loops. */
const LAYERS = {
  gen: [],
  shared: [],
  protocol: ['shared', 'gen'],
  storePorts: ['shared'],
  store: ['storePorts', 'shared'],
  // Domain, lowest first: approvals and audit; the fleet; credentials (which act on the fleet).
  changes: [...base, 'storePorts'],
  fleet: [...base, 'storePorts', 'changes'],
  creds: [...base, 'storePorts', 'changes', 'fleet'],
  // Transport adapter: the fleet's ports (AgentLink, AgentAuthenticator) and the Fleet facade.
  opamp: [...base, 'fleet'],
  // Edges.
  intent: [...base, ...domain],
  api: [...base, 'storePorts', ...domain],
  web: [...base, 'storePorts', ...domain, 'api'],
  mcp: [...base, 'storePorts', ...domain, 'api', 'config'],
  slack: [...base, 'storePorts', ...domain, 'api', 'intent', 'config'],
  // The simulated agent of `ampgate demo` (and of the test suites): an OpAMP client, no server code.
  demo: [...base],
  // The CLI's offline commands (--db) open the SQLite store themselves; `serve` starts the app.
  cli: [...base, 'storePorts', 'store', ...domain, 'api', 'mcp', 'demo', 'config', 'app'],
  config: ['shared'],
  // Composition root: builds everything.
  app: [...base, 'storePorts', 'store', ...domain, 'opamp', 'intent', 'api', 'web', 'mcp', 'slack', 'config'],
};

const NOT_TEST = '\\.test\\.ts$';
const DOMAIN_PATH = domain.map((d) => PARTS[d]).join('|');

module.exports = {
  forbidden: [
    {
      name: 'domain-no-edge-frameworks',
      comment: 'The domain imports no HTTP server, WebSocket, Fastify, Slack or MCP library: transports and edges adapt to it.',
      severity: 'error',
      from: { path: DOMAIN_PATH, pathNot: NOT_TEST },
      to: { path: '^(node:)?(http|https|http2|net)$|(^|/)node_modules/(fastify|@fastify|ws|@slack|@modelcontextprotocol)/' },
    },
    {
      name: 'pure-layers-no-io',
      comment: 'src/protocol and src/shared are pure helpers: no sockets, no HTTP, no database.',
      severity: 'error',
      from: { path: `${PARTS.protocol}|${PARTS.shared}|${PARTS.storePorts}`, pathNot: NOT_TEST },
      to: { path: '^(node:)?(http|https|http2|net|tls|dgram)$|(^|/)node_modules/(better-sqlite3|fastify|ws)/' },
    },
    {
      name: 'no-sqlite-outside-store',
      comment: 'Only src/store talks to SQLite.',
      severity: 'error',
      from: { path: '^src/', pathNot: `^src/store/|${NOT_TEST}` },
      to: { path: '(^|/)node_modules/better-sqlite3/' },
    },
    {
      name: 'no-unresolvable',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  allowed: [
    // Packages and Node built-ins (the forbidden rules above narrow these per layer).
    { from: { path: '^src/' }, to: { dependencyTypes: ['npm', 'npm-dev', 'npm-optional', 'npm-peer', 'npm-no-pkg', 'npm-unknown', 'core'] } },
    ...Object.entries(LAYERS).map(([part, allowed]) => ({
      from: { path: PARTS[part], pathNot: NOT_TEST },
      to: { path: [PARTS[part], ...allowed.map((a) => PARTS[a])].join('|') },
    })),
  ],
  allowedSeverity: 'error',
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^src/web/public/|\\.test\\.ts$' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.json'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
