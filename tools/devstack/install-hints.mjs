// What to do when a tool the dev platform needs is missing, in one place: what
// to install (the Debian/Ubuntu package, or where else it comes from) and, where
// there is one, the environment variable or PATH entry that points the platform
// at a copy you already have. Every piece takes its hint from here
// (test/install-hints.test.mjs fails on install advice written anywhere else).

import fs from 'node:fs';

/**
 * The Go that builds daprd and Sentry: the `go` line of dapr/daprd/go.mod, the
 * one place it is written (pieces/dapr-toolchain.mjs checks `go version` against it).
 */
export function requiredGoVersion() {
  const goMod = fs.readFileSync(new URL('../../dapr/daprd/go.mod', import.meta.url), 'utf8');
  const match = goMod.match(/^go\s+(\S+)\s*$/m);
  if (!match) throw new Error('dapr/daprd/go.mod has no go line');
  return match[1];
}

/**
 * @typedef {object} Hint
 * @property {(version?: string) => string} what  the tool, as a person would ask for it
 * @property {string | ((version?: string) => string)} [apt]  Debian/Ubuntu packages
 * @property {string} [elsewhere] where it comes from when not from apt
 * @property {string} [existing]  how to use a copy that is already there
 */

/** @type {Record<string, Hint>} */
export const INSTALL_HINTS = Object.freeze({
  node: {
    what: (version = '20.10') => `Node.js ${version} or newer (a current LTS, 20 or 22)`,
    elsewhere: 'https://nodejs.org or your distribution\'s nodejs package',
  },
  java: {
    what: (version = '17') => `Java ${version} or newer`,
    apt: 'openjdk-17-jre-headless',
    existing: 'put the `java` of an existing JDK/JRE 17+ first on PATH',
  },
  maven: {
    what: () => 'Maven (it fetches the Kafka and Zipkin jars from Maven Central)',
    apt: 'maven',
    existing: 'put an existing `mvn` on PATH; a proxy for Maven Central goes in ~/.m2/settings.xml',
  },
  python: {
    what: (version = '3.9') => `Python ${version}+ with its venv module and pip`,
    apt: 'python3-venv python3-pip',
    existing: 'put an existing `python3` (with venv) on PATH',
  },
  go: {
    what: (version = requiredGoVersion()) => `Go ${version} or newer`,
    elsewhere: 'https://go.dev/doc/install (the Debian package is often too old)',
    existing: 'put it on PATH (GOTOOLCHAIN=auto lets an older go fetch the version needed); the first build needs the Go module proxy (GOPROXY)',
  },
  'postgresql-server': {
    what: (version) => (version ? `the PostgreSQL ${version} server` : 'the PostgreSQL server'),
    apt: (version) => (version ? `postgresql-${version}` : 'postgresql'),
    existing:
      'or use an existing server: set PG_ADMIN_USER and PG_ADMIN_PASSWORD (and PG_HOST, PG_PORT) to an account that may create roles and databases',
  },
  'postgresql-client': {
    what: () => 'psql (the PostgreSQL client)',
    apt: 'postgresql-client',
    existing: 'put an existing `psql` on PATH',
  },
  openssl: {
    what: () => 'the openssl command-line tool',
    apt: 'openssl',
  },
  gcc: {
    what: () => 'a C compiler and the C library headers',
    apt: 'gcc libc6-dev',
  },
  mmdebstrap: {
    what: () => 'mmdebstrap and a reachable Debian mirror',
    apt: 'mmdebstrap',
  },
  // The local Kubernetes node's runtime (buildah, containerd's helpers, iptables ...):
  // the packages are named by the caller, which knows which ones are missing.
  'debian-packages': {
    what: () => 'the Debian packages the local cluster needs',
    apt: '',
  },
});

/**
 * One sentence: what to install and how to point at an existing one.
 * @param {keyof typeof INSTALL_HINTS} tool
 * @param {{ version?: string, packages?: string[], orElse?: string }} [options]
 *   packages: the apt packages when the caller knows them ('debian-packages');
 *   orElse: a way round the tool altogether (e.g. ORDERFLOW_USE_SYSTEM_DAPR=1)
 */
export function installHint(tool, { version, packages, orElse } = {}) {
  const hint = INSTALL_HINTS[tool];
  if (!hint) throw new Error(`no install hint for "${tool}" in tools/devstack/install-hints.mjs`);
  const apt = [typeof hint.apt === 'function' ? hint.apt(version) : hint.apt, ...(packages ?? [])].filter(Boolean).join(' ');
  const where = [apt && `Debian/Ubuntu: apt-get install -y --no-install-recommends ${apt}`, hint.elsewhere].filter(Boolean).join('; ');
  const parts = [`install ${hint.what(version)}${where ? ` (${where})` : ''}`];
  if (hint.existing) parts.push(hint.existing);
  if (orElse) parts.push(orElse);
  return parts.join('; ');
}
