// The three services have one shape (docs/architecture.md, "Each service's
// files"): the same files in the same places doing the same jobs, so a reader
// who knows one service finds their way in the others. This fails when a
// service lacks one of them, or when its start.ts builds what app.ts builds.
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';

const ROOT = path.resolve(__dirname, '../../..');

/** Each service and the noun its files are named after. */
const SERVICES = [
  ['order-service', 'order'],
  ['payment-service', 'payment'],
  ['notification-service', 'notification'],
] as const;

/** The files every service has, for its noun. */
const sharedFiles = (noun: string) => [
  'src/start.ts',
  'src/app.ts',
  'src/config.ts',
  'src/metrics.ts',
  'src/migrate.ts',
  'src/data/migrations/index.ts',
  `src/data/${noun}-repository.ts`,
  `src/domain/${noun}-repository.ts`,
  `src/http/${noun}-schemas.ts`,
  `src/http/${noun}-routes.ts`,
  'src/http/openapi.ts',
  'test/unit/config.test.ts',
  `test/integration/${noun}-test-app.ts`,
];

const exists = (service: string, file: string) => fs.existsSync(path.join(ROOT, 'apps', service, file));
const read = (service: string, file: string) => fs.readFileSync(path.join(ROOT, 'apps', service, file), 'utf8');
const importsOf = (source: string) => [...source.matchAll(/from '([^']+)'/g)].map((match) => match[1]!);

/** The Dapr cron bindings in components/, by the app they are scoped to. */
const cronBindings = fs
  .readdirSync(path.join(ROOT, 'components'))
  .filter((file) => file.endsWith('.yaml'))
  .map((file) => YAML.parse(fs.readFileSync(path.join(ROOT, 'components', file), 'utf8')))
  .filter((resource) => resource?.kind === 'Component' && resource.spec?.type === 'bindings.cron') as {
  metadata: { name: string };
  scopes: string[];
}[];

describe.each(SERVICES)('%s', (service, noun) => {
  it('has every file the services share, where the others have it', () => {
    expect(sharedFiles(noun).filter((file) => !exists(service, file))).toEqual([]);
  });

  it('starts in start.ts and wires in app.ts: start.ts builds no repository, metrics or domain worker', () => {
    const fromStart = importsOf(read(service, 'src/start.ts')).filter((module) => module.startsWith('.'));
    expect(fromStart.filter((module) => /^\.\/(domain\/|metrics$|data\/(?!migrations$))/.test(module))).toEqual([]);
    expect(fromStart).toContain('./app');
    const fromApp = importsOf(read(service, 'src/app.ts'));
    expect(fromApp).toEqual(expect.arrayContaining([`./data/${noun}-repository`, './metrics']));
  });

  it('does its periodic work on one Dapr cron binding, whose tick its app answers', () => {
    const ticks = cronBindings.filter((binding) => binding.scopes.includes(service));
    expect(ticks).toHaveLength(1);
    const route = `'/${ticks[0]!.metadata.name}'`;
    const routeFiles = fs.readdirSync(path.join(ROOT, 'apps', service, 'src/http')).filter((file) => file.endsWith('-routes.ts'));
    expect(routeFiles.filter((file) => read(service, `src/http/${file}`).includes(route))).toHaveLength(1);
  });

  it("logs that tick's request line at debug, not info (createHttpApp's tickRoutes in app.ts)", () => {
    expect(read(service, 'src/app.ts')).toMatch(/tickRoutes: \[[A-Z_]+_ROUTE\]/);
  });
});
