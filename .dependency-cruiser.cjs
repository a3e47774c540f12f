// The layer rules of docs/architecture.md, checked by `npm run lint` (depcruise src). Each rule says which way the
// arrows may point; test/lint/layers.test.ts lints the fixtures in test/fixtures/lint/ against these rules and
// expects each forbidden import there to be reported.
//
// Paths are relative to the repository root. Node built-ins resolve to their bare name ('fs', 'node:crypto'),
// npm packages to node_modules/<name>/....
const HOSTS = '^src/(main|preload|server|host-common)/';
const ABOVE_CORE = '^src/(shared|backend|renderer|main|preload|server|host-common|cli)/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'core-is-the-bottom',
      severity: 'error',
      comment:
        'src/core is pure Node/TS: it never imports the API contract, the back end, the renderer, a host, the CLI or Electron.',
      from: { path: '^src/core/' },
      to: { path: [ABOVE_CORE, '^electron$', 'node_modules/electron/'] },
    },
    {
      name: 'shared-imports-only-zod',
      severity: 'error',
      comment:
        'src/shared is the typed contract loaded by the renderer, preload and back end alike: it imports itself and zod, no Node built-in.',
      from: { path: '^src/shared/' },
      to: { pathNot: ['^src/shared/', 'node_modules/zod/'] },
    },
    {
      name: 'renderer-imports-only-the-contract',
      severity: 'error',
      comment:
        'The renderer talks to the back end only through src/shared; besides it, only its chart libraries (and zod types).',
      from: { path: '^src/renderer/' },
      to: {
        pathNot: [
          '^src/renderer/',
          '^src/shared/',
          'node_modules/(chart[.]js|chartjs-chart-matrix|@kurkle/color|zod)/',
        ],
      },
    },
    {
      name: 'crypto-is-below-the-rest-of-core',
      severity: 'error',
      comment:
        'core/crypto is what everything else encrypts with: it may use core/errors, core/fs and core/workers, never a higher core folder.',
      from: { path: '^src/core/crypto/' },
      to: { path: '^src/core/', pathNot: ['^src/core/(crypto|fs|workers)/', '^src/core/errors[.]ts$'] },
    },
    {
      name: 'retrieval-does-not-import-evaluation',
      severity: 'error',
      comment:
        'Evaluation measures retrieval, so core/evaluation may import core/retrieval, never the other way round.',
      from: { path: '^src/core/retrieval/' },
      to: { path: '^src/core/evaluation/' },
    },
    {
      name: 'no-folder-cycles',
      severity: 'error',
      comment:
        'No two folders of src/ import each other, directly or through others. Exempt: inside the renderer, components name the type of the UI context they are handed (src/renderer/app/context.ts) while the app shell uses components; those back-references are type-only (checked by renderer-components-import-app-types-only).',
      scope: 'folder',
      from: { path: '^src/', pathNot: '^src/renderer/(app|components)(/|$)' },
      to: { circular: true },
    },
    {
      name: 'renderer-components-import-app-types-only',
      severity: 'error',
      comment:
        'Components may name the UI context type of src/renderer/app, never import its code (that would be a cycle).',
      from: { path: '^src/renderer/components/' },
      to: { path: '^src/renderer/app/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'backend-and-cli-do-not-import-hosts',
      severity: 'error',
      comment:
        'The back end is host-agnostic and the CLI is a host of its own: neither imports Electron, a host or the renderer.',
      from: { path: '^src/(backend|cli)/' },
      to: { path: [HOSTS, '^src/renderer/', '^electron$', 'node_modules/electron/'] },
    },
    {
      name: 'hosts-are-thin',
      severity: 'error',
      comment:
        'A host wires transport to the back end: it never imports the renderer, the CLI or another host (host-common is theirs to share).',
      from: { path: '^src/(main|preload|server)/' },
      to: { path: ['^src/renderer/', '^src/cli/', '^src/(main|preload|server)/'], pathNot: '^src/$1/' },
    },
    {
      name: 'preload-imports-only-the-contract',
      severity: 'error',
      comment:
        'The preload script runs beside the page: it bridges src/shared over Electron IPC and nothing else.',
      from: { path: '^src/preload/' },
      to: { pathNot: ['^src/preload/', '^src/shared/', '^electron$', 'node_modules/(electron|zod)/'] },
    },
    {
      name: 'electron-only-in-electron-hosts',
      severity: 'error',
      comment: 'Only src/main and src/preload run inside Electron.',
      from: { path: '^src/', pathNot: '^src/(main|preload)/' },
      to: { path: ['^electron$', 'node_modules/electron/'] },
    },
    {
      name: 'host-common-imports-only-node',
      severity: 'error',
      comment: 'src/host-common holds what both hosts share: Node built-ins and core errors only.',
      from: { path: '^src/host-common/' },
      to: { dependencyTypes: ['local'], pathNot: ['^src/host-common/', '^src/core/errors[.]ts$'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    // Absolute, so the rules can also be run from test/fixtures/lint (test/lint/layers.test.ts).
    tsConfig: { fileName: `${__dirname}/tsconfig.json` },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
    },
  },
};
