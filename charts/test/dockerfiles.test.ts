// The images cannot be built here (no Docker); what the chart relies on is read
// from the one Dockerfile instead, as it builds for each SERVICE: port, user,
// working directory, entry command, a pinned Node.js LTS base, production
// dependencies only, and a build that stops without a valid SERVICE.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { loadNotificationServiceConfig } from '../../apps/notification-service/src/config';
import { loadOrderServiceConfig } from '../../apps/order-service/src/config';
import { loadPaymentServiceConfig } from '../../apps/payment-service/src/config';
import { appContainer, deploymentOf, renderSet, SERVICES, type ServiceId } from './support/render';
import { REPO_ROOT } from './support/tools';

const DOCKERFILE = path.join(REPO_ROOT, 'Dockerfile');

interface Instruction {
  keyword: string;
  /** The arguments with the build arguments in scope substituted (RUN's too: its shell sees the same values). */
  args: string;
  /** As written. */
  raw: string;
  stage: number;
}

/**
 * Instructions in order (continuation lines joined, comments dropped), each with its stage,
 * as a build with these --build-arg values sees them. As in Docker, an ARG before the first
 * FROM is seen by FROM lines only, and a stage sees an ARG only after declaring it
 * (`ARG NAME`): an undeclared one is empty.
 */
function parseDockerfile(buildArgs: Record<string, string> = {}): Instruction[] {
  const text = fs.readFileSync(DOCKERFILE, 'utf8').replace(/\\\n/g, ' ');
  const instructions: Instruction[] = [];
  const global = new Map<string, string>();
  let inStage = new Map<string, string>();
  let stage = -1;
  const expand = (args: string, scope: Map<string, string>) =>
    args.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, braced?: string, bare?: string) => scope.get((braced ?? bare)!) ?? '');
  for (const rawLine of text.split('\n')) {
    const line = rawLine.trim();
    if (!line || line.startsWith('#')) continue;
    const [, word = '', rest = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    const keyword = word.toUpperCase();
    const raw = rest.replace(/\s+/g, ' ');
    if (keyword === 'FROM') {
      stage += 1;
      inStage = new Map();
      instructions.push({ keyword, args: expand(raw, global), raw, stage });
      continue;
    }
    if (keyword === 'ARG') {
      const [name = '', fallback] = raw.split('=', 2);
      const value = buildArgs[name] ?? (stage < 0 ? fallback : (fallback ?? global.get(name))) ?? '';
      (stage < 0 ? global : inStage).set(name, value);
    }
    instructions.push({ keyword, args: expand(raw, inStage), raw, stage });
  }
  return instructions;
}

/** Each app's configuration loader: what `node dist/start.js` reads from its environment. */
const LOAD_CONFIG: Record<ServiceId, (env: NodeJS.ProcessEnv) => { APP_PORT: number }> = {
  'order-service': loadOrderServiceConfig,
  'payment-service': loadPaymentServiceConfig,
  'notification-service': loadNotificationServiceConfig,
};

describe('the Dockerfile', () => {
  it('names its base image once, a Node.js LTS release, and builds every stage from it or from an earlier stage', () => {
    const instructions = parseDockerfile();
    const base = instructions.find((i) => i.keyword === 'ARG' && i.stage < 0 && i.raw.startsWith('NODE_IMAGE='))?.raw.split('=')[1];
    // An even major is an LTS line; the exact release, never a floating tag.
    expect(base).toMatch(/^node:(\d*[02468])\.\d+\.\d+-[a-z]+(-slim)?(@sha256:[a-f0-9]{64})?$/);
    const froms = instructions.filter((i) => i.keyword === 'FROM').map((i) => i.raw);
    expect(froms.length).toBeGreaterThanOrEqual(2);
    const stages: string[] = [];
    for (const from of froms) {
      const [, image, name] = /^(\S+) AS (\w+)$/.exec(from) ?? [];
      expect([from, image === '${NODE_IMAGE}' || stages.includes(image!)]).toEqual([from, true]);
      stages.push(name!);
    }
    // The runtime starts from the base image itself, not from a stage that built something.
    expect(froms.at(-1)).toMatch(/^\$\{NODE_IMAGE\} AS \w+$/);
  });

  describe('without a valid SERVICE', () => {
    // The check is the first RUN of the first stage: nothing is installed before it.
    const check = () => parseDockerfile().find((i) => i.keyword === 'RUN')!;
    const runCheck = (service: string | undefined) =>
      spawnSync('sh', ['-c', check().raw], { encoding: 'utf8', env: { PATH: process.env.PATH, ...(service === undefined ? {} : { SERVICE: service }) } });

    it('declares SERVICE without a default and checks it first, in the first stage', () => {
      const instructions = parseDockerfile();
      const at = (found: Instruction | undefined) => instructions.findIndex((i) => i.raw === found?.raw && i.keyword === found?.keyword);
      expect(check().stage).toBe(0);
      const declaration = instructions.find((i) => i.keyword === 'ARG' && i.raw.split('=')[0] === 'SERVICE');
      expect(declaration).toMatchObject({ raw: 'SERVICE', stage: 0 });
      expect(at(declaration)).toBeLessThan(at(check()));
      expect(at(check())).toBeLessThan(at(instructions.find((i) => i.keyword === 'COPY')));
    });

    it.each([
      ['missing', undefined],
      ['empty', ''],
      ['not one of the three', 'inventory-service'],
      ['a path', '../packages/contracts'],
    ])('stops the build with a message naming the three services when it is %s', (_, service) => {
      const result = runCheck(service);
      expect(result.status).not.toBe(0);
      expect(result.stderr).toContain('SERVICE must be order-service, payment-service or notification-service');
      expect(result.stderr).toContain('--build-arg SERVICE=');
    });

    it.each(SERVICES)('lets the build go on for %s', (service) => {
      expect(runCheck(service)).toMatchObject({ status: 0, stderr: '' });
    });
  });
});

describe.each(SERVICES)('the Dockerfile built with SERVICE=%s', (id) => {
  const instructions = () => parseDockerfile({ SERVICE: id });
  const finalStage = () => Math.max(...instructions().map((i) => i.stage));
  const inFinal = (keyword: string) => instructions().filter((i) => i.stage === finalStage() && i.keyword === keyword);
  const container = () => appContainer(deploymentOf(renderSet('default'), id));

  it('compiles the workspace in a build stage and ships only this service\'s production dependencies', () => {
    const runs = instructions().filter((i) => i.keyword === 'RUN');
    expect(runs.some((r) => r.args.startsWith('npm ci') && !r.args.includes('--omit=dev') && r.stage < finalStage())).toBe(true);
    expect(runs.filter((r) => /^npx tsc -b\b/.test(r.args)).map((r) => r.args)).toEqual([`npx tsc -b apps/${id}`]);
    const production = runs.find((r) => r.args.includes('--omit=dev'));
    expect(production?.args).toMatch(new RegExp(`^npm ci .*--workspace apps/${id}$`));
    // The final stage only copies what the earlier ones made: no compiler, no npm run there.
    expect(inFinal('RUN')).toEqual([]);
    for (const copy of inFinal('COPY')) expect(copy.args).toMatch(/^--from=/);
    expect(inFinal('COPY').map((c) => c.args)).toContain(`--from=build /app/apps/${id}/dist/ apps/${id}/dist/`);
  });

  it('runs as the non-root user and command the chart expects, from the service\'s folder', () => {
    const { runAsUser, runAsGroup } = container().securityContext;
    expect(inFinal('USER').map((i) => i.args)).toEqual([`${runAsUser}:${runAsGroup}`]);
    expect(JSON.parse(inFinal('CMD')[0]!.args)).toEqual(container().command);
    expect(inFinal('WORKDIR').at(-1)?.args).toBe(`/app/apps/${id}`);
    const env = inFinal('ENV').map((i) => i.args).join(' ');
    expect(env).toContain('NODE_ENV=production');
    // A read-only root filesystem: nothing in the image is written at run time (no VOLUME, no npm start).
    expect(inFinal('VOLUME')).toEqual([]);
  });

  it('leaves the port to the app, whose default is the port the chart gives it', () => {
    // The image names no port: the chart sets APP_PORT (and containerPort), the app falls back to its own default.
    expect(instructions().filter((i) => i.keyword === 'EXPOSE')).toEqual([]);
    expect(inFinal('ENV').map((i) => i.args).join(' ')).not.toContain('APP_PORT');
    // The app started with the Deployment's literal environment, APP_PORT left out, listens where the chart points.
    const env = Object.fromEntries(
      (container().env as { name: string; value?: string }[])
        .filter((variable) => variable.value !== undefined && variable.name !== 'APP_PORT')
        .map((variable) => [variable.name, variable.value]),
    );
    expect(LOAD_CONFIG[id](env).APP_PORT).toBe(container().ports[0].containerPort);
  });
});

describe('the Docker build context', () => {
  it('lets in only the sources and manifests the images are built from', () => {
    const lines = fs
      .readFileSync(path.join(REPO_ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    // Everything is excluded first, then the build inputs are let back in.
    expect(lines[0]).toBe('*');
    const allowed = lines.filter((l) => l.startsWith('!')).map((l) => l.slice(1));
    expect(allowed).toEqual(expect.arrayContaining(['package.json', 'package-lock.json', 'tsconfig.json', 'apps/*/src/', 'packages/*/src/']));
    for (const pattern of allowed) expect(pattern).not.toMatch(/node_modules|\.local|\.git|dist|test/);
    // Every file the Dockerfile COPYs from the context, for each SERVICE, is let in.
    for (const id of SERVICES) {
      for (const copy of parseDockerfile({ SERVICE: id }).filter((i) => i.keyword === 'COPY' && !i.args.startsWith('--from'))) {
        const sources = copy.args.split(' ').slice(0, -1);
        for (const source of sources) {
          // A file must match a pattern; a folder must lead to one (its allowed files are copied).
          const covered = allowed.some((pattern) => {
            const want = pattern.split('/').filter(Boolean);
            const got = source.split('/').filter(Boolean);
            return got.every((segment, i) => want[i] === undefined || want[i] === '*' || want[i] === segment);
          });
          expect({ source, covered }).toEqual({ source, covered: true });
        }
      }
    }
  });
});
