// Domain code needs AppError and field errors, not a web server or a database
// driver: it imports service-kit's sub-path exports, which load neither.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '../../..');
const HEAVY = ['express', 'knex', 'pg', '@dapr/dapr', 'pino', 'prom-client'];

describe("service-kit's sub-path exports", () => {
  it('load, as a service loads them (package.json "exports", built output), without Express, Knex, pg or the Dapr SDK', () => {
    const script = `
      require('@orderflow/service-kit/errors');
      require('@orderflow/service-kit/validation');
      process.stdout.write(JSON.stringify(Object.keys(require.cache)));`;
    const loaded = JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8' })) as string[];
    expect(loaded.some((file) => file.endsWith(path.join('service-kit', 'dist', 'errors.js')))).toBe(true);
    const heavy = loaded.filter((file) => HEAVY.some((name) => file.includes(`${path.sep}node_modules${path.sep}${name}${path.sep}`)));
    expect(heavy).toEqual([]);
  });
});

describe('the domain of every service', () => {
  it('imports service-kit only through its sub-path exports, and never Express, Knex or pg', () => {
    const offending: string[] = [];
    for (const app of fs.readdirSync(path.join(root, 'apps'))) {
      const domain = path.join(root, 'apps', app, 'src', 'domain');
      if (!fs.existsSync(domain)) continue;
      for (const file of fs.readdirSync(domain).filter((name) => name.endsWith('.ts'))) {
        const source = fs.readFileSync(path.join(domain, file), 'utf8');
        for (const [, specifier] of source.matchAll(/from '([^']+)'/g)) {
          if (specifier === '@orderflow/service-kit' || ['express', 'knex', 'pg'].includes(specifier!)) offending.push(`${app}/src/domain/${file}: ${specifier}`);
        }
      }
    }
    expect(offending).toEqual([]);
  });
});
