/**
 * The layers (issue #17), checked by `npm run lint:deps`. From the ground up:
 *   h2/      the HTTP/2 engine: imports nothing of the project;
 *   faults/  link, toxics, profiles, frame path, pool: h2/ only;
 *   config/  the schemas composed and files loaded: faults/ and h2/;
 *   proxy/   composes engine, faults and config into the proxy;
 *   api/     the Toxiproxy-compatible server, TCP proxies, metrics: above proxy/;
 *   cli/, scenario/, origin/, bench/ at the top.
 * No cycle anywhere.
 *
 * Known violations, kept in .dependency-cruiser-known-violations.json (`npx depcruise-baseline`
 * with the arguments of `npm run lint:deps` rewrites it) so only new ones fail:
 * TODO #17: faults/toxics/all.ts (every toxic, imported for its side effect by
 *   faults/link/toxic-set.ts and faults/profiles/{profile-file,fault-settings}.ts) imports the
 *   profile and schedule toxics, which import faults/link/sub-chain.ts and faults/profiles/:
 *   cycles inside faults/. Breaking them: toxics registered by the composition roots, not by those imports.
 * TODO #17: type-only back-edges make cycles in scenario (format <-> summary) and bench (bench,
 *   link-fidelity, report-table).
 */
const project = '^(h2|faults|config|proxy|api|cli|scenario|origin|bench)/';

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
      comment: 'faults/ (link, toxics, profiles, frame path, pool) imports only h2/ and itself.',
      severity: 'error',
      from: { path: '^faults/' },
      to: { path: project, pathNot: '^(h2|faults)/' },
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
