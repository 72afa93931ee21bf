// The images cannot be built here (no Docker); what the chart relies on is read
// from the Dockerfiles instead: port, user, working directory, entry command,
// a pinned Node.js LTS base, production dependencies only.
import fs from 'node:fs';
import path from 'node:path';
import { appContainer, deploymentOf, renderSet, SERVICES } from './support/render';
import { REPO_ROOT } from './support/tools';

interface Instruction {
  keyword: string;
  args: string;
  stage: number;
}

/** Instructions in order (continuation lines joined, comments dropped), each with its stage. */
function parseDockerfile(file: string): Instruction[] {
  const text = fs.readFileSync(file, 'utf8').replace(/\\\n/g, ' ');
  const instructions: Instruction[] = [];
  let stage = -1;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const [, keyword = '', args = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    if (keyword.toUpperCase() === 'FROM') stage += 1;
    instructions.push({ keyword: keyword.toUpperCase(), args: args.replace(/\s+/g, ' '), stage });
  }
  return instructions;
}

describe.each(SERVICES)('the Dockerfile of %s', (id) => {
  const file = path.join(REPO_ROOT, 'apps', id, 'Dockerfile');
  const instructions = () => parseDockerfile(file);
  const finalStage = () => Math.max(...instructions().map((i) => i.stage));
  const inFinal = (keyword: string) => instructions().filter((i) => i.stage === finalStage() && i.keyword === keyword);
  const container = () => appContainer(deploymentOf(renderSet('default'), id));

  it('builds in stages from a Node.js LTS image pinned to a release', () => {
    const base = instructions().find((i) => i.keyword === 'ARG' && i.args.startsWith('NODE_IMAGE='))?.args.split('=')[1];
    // An even major is an LTS line; the exact release, never a floating tag.
    expect(base).toMatch(/^node:(\d*[02468])\.\d+\.\d+-[a-z]+(-slim)?(@sha256:[a-f0-9]{64})?$/);
    const froms = instructions().filter((i) => i.keyword === 'FROM');
    expect(froms.length).toBeGreaterThanOrEqual(2);
    for (const from of froms) expect(from.args).toMatch(/^\$\{NODE_IMAGE\} AS \w+$/);
  });

  it('compiles the workspace in a build stage and ships only production dependencies', () => {
    const runs = instructions().filter((i) => i.keyword === 'RUN');
    expect(runs.some((r) => r.args.startsWith('npm ci') && r.stage < finalStage())).toBe(true);
    expect(runs.some((r) => /^npx tsc -b\b/.test(r.args) && r.args.includes(`apps/${id}`))).toBe(true);
    const production = runs.find((r) => r.args.includes('--omit=dev'));
    expect(production?.args).toMatch(new RegExp(`^npm ci .*--workspace apps/${id}\\b`));
    // The final stage only copies what the earlier ones made: no compiler, no npm run there.
    expect(inFinal('RUN')).toEqual([]);
    for (const copy of inFinal('COPY')) expect(copy.args).toMatch(/^--from=/);
  });

  it('runs as the non-root user, port and command the chart expects', () => {
    const { runAsUser, runAsGroup } = container().securityContext;
    expect(inFinal('USER').map((i) => i.args)).toEqual([`${runAsUser}:${runAsGroup}`]);
    expect(inFinal('EXPOSE').map((i) => i.args)).toEqual([String(container().ports[0].containerPort)]);
    expect(JSON.parse(inFinal('CMD')[0]!.args)).toEqual(container().command);
    expect(inFinal('WORKDIR').at(-1)?.args).toBe(`/app/apps/${id}`);
    const env = inFinal('ENV').map((i) => i.args).join(' ');
    expect(env).toContain(`APP_PORT=${container().ports[0].containerPort}`);
    expect(env).toContain('NODE_ENV=production');
    // A read-only root filesystem: nothing in the image is written at run time (no VOLUME, no npm start).
    expect(inFinal('VOLUME')).toEqual([]);
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
    // Every file a Dockerfile COPYs from the context is let in.
    for (const id of SERVICES) {
      for (const copy of parseDockerfile(path.join(REPO_ROOT, 'apps', id, 'Dockerfile')).filter((i) => i.keyword === 'COPY' && !i.args.startsWith('--from'))) {
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
