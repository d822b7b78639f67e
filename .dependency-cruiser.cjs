/**
 * The layers (issue #17), checked by `npm run lint:deps`. From the ground up:
 *   h2/      the HTTP/2 engine: imports nothing of the project;
 *   faults/  link/, toxics/, profiles/, pool/ and random.ts, nothing else: h2/ only;
 *   config/  the schemas composed and files loaded: faults/ and h2/;
 *   proxy/   composes engine, faults and config into the proxy (frame-path/: engine + link + pool);
 *   api/     the Toxiproxy-compatible server, TCP proxies, metrics: above proxy/;
 *   cli/, scenario/, origin/, bench/ at the top.
 * No cycle anywhere. Nothing is baselined: a violation fails `npm run lint:deps`.
 * The toxic types are registered by the composition roots (faults/toxics/builtin.ts), so no file
 * below them imports the toxics for a side effect.
 */
const project = '^(h2|faults|config|proxy|api|cli|scenario|origin|bench)/';
/** Any path under faults/ but its four parts and the seeded random they share. */
const outsideFaultsParts = '^faults/(?!(link|toxics|profiles|pool)/|random\\.ts$)';

module.exports = {
  forbidden: [
    {
      name: 'h2-is-the-ground-floor',
      comment: 'h2/ is the engine: it imports nothing else of the project.',
      severity: 'error',
      from: { path: '^h2/' },
      to: { path: project, pathNot: '^h2/' },
    },
    {
      name: 'faults-only-above-h2',
      comment: 'faults/ (link, toxics, profiles, pool) imports only h2/ and itself.',
      severity: 'error',
      from: { path: '^faults/' },
      to: { path: project, pathNot: '^(h2|faults)/' },
    },
    {
      name: 'faults-holds-only-its-parts',
      comment: 'faults/ holds link/, toxics/, profiles/, pool/ and random.ts; what composes them belongs in proxy/. '
        + 'A file elsewhere under faults/ fails by importing anything…',
      severity: 'error',
      from: { path: outsideFaultsParts },
      to: {},
    },
    {
      name: 'faults-holds-only-its-parts-imported',
      comment: '…by being imported…',
      severity: 'error',
      from: {},
      to: { path: outsideFaultsParts },
    },
    {
      name: 'faults-holds-only-its-parts-orphan',
      comment: '…or by standing alone.',
      severity: 'error',
      from: { path: outsideFaultsParts, orphan: true },
      to: {},
    },
    {
      name: 'config-below-proxy',
      comment: 'config/ composes the parts\' schemas: it imports faults/ and h2/, nothing that runs them.',
      severity: 'error',
      from: { path: '^config/' },
      to: { path: project, pathNot: '^(h2|faults|config)/' },
    },
    {
      name: 'proxy-below-api-and-cli',
      comment: 'proxy/ composes h2/, faults/ and config/; the applications above it are not its to import.',
      severity: 'error',
      from: { path: '^proxy/' },
      to: { path: '^(api|cli|scenario|bench)/' },
    },
    {
      name: 'api-below-cli',
      comment: 'api/ is an application on the proxy; the CLI and the scenarios sit beside or above it.',
      severity: 'error',
      from: { path: '^api/' },
      to: { path: '^(cli|scenario|bench)/' },
    },
    {
      name: 'no-circular',
      comment: 'A cycle makes load order matter and layers meaningless.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
