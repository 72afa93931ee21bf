// Container images without Docker or a registry: a folder becomes a one-layer
// OCI image (umoci), is saved as a docker-archive (skopeo) in .local/k8s/images/
// and imported into the node's containerd (ctr, namespace k8s.io, where the
// kubelet looks). An archive is made again only when its inputs change, and
// imported only when containerd does not have it yet.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { run } from '../lib/step.mjs';
import { readStamp, writeStamp } from '../lib/local-files.mjs';
import { paths } from './layout.mjs';

const STAMP = path.join(paths.images, 'stamp.json');

/**
 * packImage({ ref, files: { '/in/image': '/on/host', ... }, entrypoint: [...], user })
 * → the docker-archive's path. `files` are copied with their modes; folders are
 * created as needed.
 */
export async function packImage({ ref, files, entrypoint, cmd = [], user, env = ['PATH=/usr/local/bin:/usr/bin:/bin'] }) {
  fs.mkdirSync(paths.images, { recursive: true });
  const archive = path.join(paths.images, `${ref.replace(/[/:]/g, '_')}.tar`);
  const inputs = hash([ref, entrypoint, cmd, user, env, ...Object.entries(files).map(([to, from]) => [to, fingerprint(from)])]);
  if (readStamp(STAMP)[ref] === inputs && fs.existsSync(archive)) return archive;

  const work = fs.mkdtempSync(path.join(paths.images, 'pack-'));
  try {
    const rootfs = path.join(work, 'rootfs');
    for (const [to, from] of Object.entries(files)) {
      const target = path.join(rootfs, to);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.cpSync(from, target, { recursive: true, preserveTimestamps: true });
    }
    const layout = `${path.join(work, 'oci')}:image`;
    await lowPriority('umoci', ['init', '--layout', path.join(work, 'oci')]);
    await lowPriority('umoci', ['new', '--image', layout]);
    await lowPriority('umoci', ['insert', '--rootless', '--image', layout, rootfs, '/']);
    const config = ['config', '--image', layout, ...env.flatMap((e) => ['--config.env', e])];
    for (const e of entrypoint) config.push('--config.entrypoint', e);
    for (const c of cmd) config.push('--config.cmd', c);
    if (user) config.push('--config.user', user);
    await lowPriority('umoci', config);
    await lowPriority('umoci', ['gc', '--layout', path.join(work, 'oci')]);
    fs.rmSync(archive, { force: true });
    await lowPriority('skopeo', ['copy', '--quiet', `oci:${layout}`, `docker-archive:${archive}:${ref}`]);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  writeStamp(STAMP, { ...readStamp(STAMP), [ref]: inputs });
  return archive;
}

/** Imports a docker-archive into the node's containerd unless an image of that name with that digest is there. */
export async function importImage(ref, archive) {
  const ctr = ['-a', paths.containerdSocket, '-n', 'k8s.io'];
  const stampKey = `imported:${ref}`;
  const archiveHash = fingerprint(archive);
  const listed = (await run('ctr', [...ctr, 'images', 'ls', '-q'])).split('\n');
  if (listed.includes(ref) && readStamp(STAMP)[stampKey] === archiveHash) return false;
  await lowPriority('ctr', [...ctr, 'images', 'import', '--no-unpack=false', archive]);
  writeStamp(STAMP, { ...readStamp(STAMP), [stampKey]: archiveHash });
  return true;
}

function lowPriority(command, args) {
  return run('nice', ['-n', '19', 'ionice', '-c3', command, ...args]);
}

/** Size and modification time of a file, or of every file below a folder: cheap, and enough to see a rebuild. */
function fingerprint(file) {
  const stat = fs.statSync(file);
  if (!stat.isDirectory()) return `${stat.size}:${stat.mtimeMs}`;
  return hash(fs.readdirSync(file, { recursive: true }).sort().map((entry) => {
    const s = fs.lstatSync(path.join(file, entry));
    return `${entry}:${s.size}:${s.mtimeMs}:${s.mode}`;
  }));
}

function hash(parts) {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}
