// The pure parts of `npm run k8s` (the cluster itself is proven by running it:
// up, down, and the leftover check).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { KUBE_COMMANDS, wrapperModuleFiles } from '../k8s/build.mjs';
import { dockerfileBaseImage } from '../k8s/app-images.mjs';
import { DAPR_TOOLCHAIN_MODULE } from '../k8s/dapr.mjs';

const kubernetesGoMod = (stagingCount) => `module k8s.io/kubernetes

go 1.24.0

godebug default=go1.24

require k8s.io/api v0.0.0

replace (
${Array.from({ length: stagingCount }, (_, i) => `\tk8s.io/staging${i} => ./staging/src/k8s.io/staging${i}`).join('\n')}
\tk8s.io/not-staging => k8s.io/not-staging v1.0.0
)
`;

describe('the Kubernetes wrapper module', () => {
  it('replaces every staging module with its published twin, and nothing else', () => {
    const { 'go.mod': goMod } = wrapperModuleFiles(kubernetesGoMod(31), { kubernetes: 'v1.34.4', staging: 'v0.34.4' });
    assert.match(goMod, /^require k8s\.io\/kubernetes v1\.34\.4$/m);
    assert.equal(goMod.match(/=> k8s\.io\/staging\d+ v0\.34\.4$/gm).length, 31);
    assert.doesNotMatch(goMod, /not-staging/);
    assert.match(goMod, /^go 1\.24\.0$/m);
    assert.match(goMod, /^godebug default=go1\.24$/m);
  });

  it('names every command it builds in tools.go, so that go mod tidy keeps their imports', () => {
    const { 'tools.go': tools } = wrapperModuleFiles(kubernetesGoMod(31), { kubernetes: 'v1.34.4', staging: 'v0.34.4' });
    for (const command of KUBE_COMMANDS) assert.match(tools, new RegExp(`"k8s.io/kubernetes/cmd/${command}"`));
    assert.match(tools, /^\/\/go:build tools$/m);
  });

  it('refuses a go.mod without the staging layout, rather than build something else', () => {
    assert.throws(() => wrapperModuleFiles(kubernetesGoMod(3), { kubernetes: 'v1.34.4', staging: 'v0.34.4' }), /staging replace directives/);
  });
});

describe('the base image of the Dockerfile', () => {
  it('is the node:<version>-bookworm-slim image the repository\'s Dockerfile names', () => {
    const base = dockerfileBaseImage();
    assert.match(base.image, /^node:\d+\.\d+\.\d+-bookworm-slim$/);
    assert.equal(base.fullName, `docker.io/library/${base.image}`);
    assert.match(base.nodeVersion, /^\d+\.\d+\.\d+$/);
  });

  it('is read from the ARG NODE_IMAGE line, and a Dockerfile without one is refused by name', () => {
    assert.deepEqual(dockerfileBaseImage('# syntax=docker/dockerfile:1\nARG NODE_IMAGE=node:24.1.2-bookworm-slim\nFROM ${NODE_IMAGE} AS build\n'), {
      image: 'node:24.1.2-bookworm-slim',
      fullName: 'docker.io/library/node:24.1.2-bookworm-slim',
      nodeVersion: '24.1.2',
    });
    assert.throws(() => dockerfileBaseImage('FROM node:24.1.2-bookworm-slim\n'), /the Dockerfile has no "ARG NODE_IMAGE=<image>" line/);
    assert.throws(() => dockerfileBaseImage('ARG NODE_IMAGE=node:24-alpine\n'), /unexpected base image node:24-alpine/);
  });
});

describe('our daprd for the cluster', () => {
  it('is built by a child process that finds the toolchain module from any working directory', () => {
    const script = `import(${JSON.stringify(DAPR_TOOLCHAIN_MODULE)}).then((m) => console.log(typeof m.ensureDaprToolchain))`;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: '/', encoding: 'utf8' });
    assert.equal(child.stderr, '');
    assert.equal(child.stdout.trim(), 'function');
  });
});
