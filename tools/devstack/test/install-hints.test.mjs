// Install advice lives in one place (install-hints.mjs): no other module of the
// dev platform or its entry points writes its own "apt-get install" or "install Go",
// and every hint a module asks for exists.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { INSTALL_HINTS, installHint, requiredGoVersion } from '../install-hints.mjs';

const DEVSTACK = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ROOT = path.resolve(DEVSTACK, '../..');

/** Every .mjs of tools/devstack (its tests aside) and scripts/. */
function platformSources() {
  const found = [];
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory() && entry.name !== 'test' && entry.name !== 'node_modules') walk(full);
      else if (entry.isFile() && entry.name.endsWith('.mjs')) found.push(full);
    }
  };
  walk(DEVSTACK);
  walk(path.join(ROOT, 'scripts'));
  return found;
}

/** Install advice for the tools install-hints.mjs covers, as a module would write it by hand. */
const HAND_WRITTEN_HINT =
  /apt-get install\s|apt install\s|go\.dev\/doc\/install|\binstall (?:a |the )?(?:current )?(?:Java|Maven|Python|Go\b|PostgreSQL|postgresql|psql|Node|openssl|gcc|mmdebstrap|buildah|containerd)/i;

describe('install hints', () => {
  it('no module but install-hints.mjs writes install advice for Java, Maven, Python, Go, PostgreSQL and the like', () => {
    const offenders = [];
    for (const file of platformSources()) {
      if (file === path.join(DEVSTACK, 'install-hints.mjs')) continue;
      fs.readFileSync(file, 'utf8').split('\n').forEach((line, index) => {
        if (HAND_WRITTEN_HINT.test(line)) offenders.push(`${path.relative(ROOT, file)}:${index + 1}: ${line.trim()}`);
      });
    }
    assert.deepEqual(offenders, [], 'use installHint() from tools/devstack/install-hints.mjs');
  });

  it('every installHint() a module asks for exists, and each hint says what to install', () => {
    const used = new Set();
    for (const file of platformSources()) {
      for (const match of fs.readFileSync(file, 'utf8').matchAll(/installHint\(\s*'([^']+)'/g)) used.add(match[1]);
    }
    assert.ok(used.size >= 8, `only ${[...used].join(', ')} used`);
    const unknown = [...used].filter((key) => !(key in INSTALL_HINTS));
    assert.deepEqual(unknown, []);
    for (const key of Object.keys(INSTALL_HINTS)) assert.match(installHint(key), /^install /, key);
  });

  it('names the apt package and the way to use an existing copy (PostgreSQL: PG_ADMIN_USER; a given version: its package)', () => {
    assert.match(installHint('java'), /apt-get install -y --no-install-recommends openjdk-17-jre-headless/);
    assert.match(installHint('postgresql-server'), /PG_ADMIN_USER/);
    assert.match(installHint('postgresql-server', { version: '16' }), /apt-get install -y --no-install-recommends postgresql-16\b/);
    assert.match(installHint('debian-packages', { packages: ['buildah', 'iptables'] }), /install -y --no-install-recommends buildah iptables/);
    assert.throws(() => installHint('cobol'), /no install hint for "cobol"/);
  });

  it('the Go hint asks for the Go that dapr/daprd/go.mod needs, as the README does', () => {
    const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
    const goLine = fs.readFileSync(path.join(root, 'dapr/daprd/go.mod'), 'utf8').match(/^go (\S+)$/m)[1];
    assert.equal(requiredGoVersion(), goLine);
    assert.match(installHint('go'), new RegExp(`Go ${goLine.replaceAll('.', '\\.')} or newer`));
    assert.ok(fs.readFileSync(path.join(root, 'README.md'), 'utf8').includes(`Go ≥ ${goLine}`), 'the README names another Go');
  });
});
