/**
 * The layer rules of src/ (STYLE.md "Layers"), checked by `npm run lint:layers`, which `npm test` runs:
 *
 *   src/domain  ←  src/store  ←  services (every other folder of src/)  ←  src/http, src/cli
 *
 * An arrow points from what is imported to what may import it; nothing imports against it.
 * Type-only imports count: a layer that names DuckDB's types depends on DuckDB.
 */

/** Node modules that reach a file, a socket, a process or the clock of another machine. */
const IO_MODULES = [
  'fs', 'fs/promises', 'net', 'http', 'https', 'http2', 'dgram', 'dns', 'tls', 'child_process',
  'cluster', 'worker_threads', 'readline', 'zlib', 'stream', 'stream/promises', 'process', 'os', 'vm',
];
const IO_PATTERN = `^(node:)?(${IO_MODULES.map((m) => m.replace('/', '\\/')).join('|')})$`;
/** npm packages that do I/O (storage, HTTP, processes, native inference, rendering to files). */
const IO_PACKAGES = '(^|node_modules/)(@duckdb|fastify|@fastify|fastify-plugin|ws|onnxruntime-node|@resvg|pino|prom-client|commander|cli-progress|csv-parse|apache-arrow|vega|vega-lite)(/|$)';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'domain-is-pure',
      comment: 'src/domain imports nothing from the other layers of src/.',
      severity: 'error',
      from: { path: '^src/domain/' },
      to: { path: '^src/', pathNot: '^src/domain/' },
    },
    {
      name: 'domain-does-no-io',
      comment: 'src/domain does no I/O: no node I/O module and no package that stores, serves or renders.',
      severity: 'error',
      from: { path: '^src/domain/' },
      to: { path: [IO_PATTERN, IO_PACKAGES] },
    },
    {
      name: 'domain-io-builtins',
      comment: 'src/domain does no I/O (node built-ins other than node:crypto).',
      severity: 'error',
      from: { path: '^src/domain/' },
      to: { dependencyTypes: ['core'], pathNot: '^(node:)?crypto$' },
    },
    {
      name: 'only-store-imports-duckdb',
      comment: 'Only src/store talks to DuckDB: SQL lives in repositories.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/store/' },
      to: { path: '@duckdb/node-api' },
    },
    {
      name: 'only-clickhouse-store-imports-clickhouse',
      comment: 'Only the ClickHouse store talks to ClickHouse (src/store/clickhouse/, and the lease branch\'s src/store/lease/clickhouse-*): everything else goes through the storage contract.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/store/(clickhouse/|lease/clickhouse-)' },
      to: { path: '@clickhouse/client' },
    },
    {
      name: 'store-imports-only-domain',
      comment: 'src/store knows the domain, never the services, HTTP or the CLI above it.',
      severity: 'error',
      from: { path: '^src/store/' },
      to: { path: '^src/', pathNot: ['^src/store/', '^src/domain/'] },
    },
    {
      name: 'services-do-not-import-shells',
      comment: 'Services are used by HTTP and the CLI, never the other way round.',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/http/', '^src/cli/'] },
      to: { path: ['^src/http/', '^src/cli/'] },
    },
    {
      name: 'http-does-not-import-cli',
      comment: 'The HTTP app is built by the CLI, not the other way round.',
      severity: 'error',
      from: { path: '^src/http/' },
      to: { path: '^src/cli/' },
    },
    {
      name: 'no-unresolvable',
      comment: 'An import that does not resolve cannot be checked.',
      severity: 'error',
      from: { path: '^src/' },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    includeOnly: ['^src/', 'node_modules', '^(node:)?[a-z_/]+$'],
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.json'],
    },
    moduleSystems: ['es6'],
  },
};
