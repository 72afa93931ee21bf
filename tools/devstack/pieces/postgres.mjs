// PostgreSQL for local runs and tests.
//
// Two modes:
// - project-local cluster (default): Debian's server binaries run a cluster whose data
//   lives in .local/postgres/data, listening on 127.0.0.1:<PG_PORT> only, as a child of
//   the script (it stops when the script exits). Local-socket connections are trusted
//   (the socket directory is private to the cluster's owner); TCP needs a password.
// - existing server: with PG_ADMIN_USER (and PG_ADMIN_PASSWORD, PG_HOST, PG_PORT) set,
//   nothing is installed or started; the scripts only create the roles and databases.
//
// Each service gets its own login role owning its own database (plus *_test for the tests
// and *_cluster for the local Kubernetes cluster);
// no role can connect to another service's database.
//
// Node built-ins only: the `pg` client may not be installed yet, so SQL goes through psql.
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { findProcess, startProcess } from '../lib/processes.mjs';
import { LOCAL, ROOT, settings } from '../lib/settings.mjs';
import { info, run, SetupError, step, waitFor } from '../lib/step.mjs';
import { findOnPath, tcpAnswers } from '../lib/local-files.mjs';
import { installHint } from '../install-hints.mjs';
import { definePiece, healthy, notHealthy } from '../lib/piece.mjs';
import { isExitedProcess, isMissing } from '../lib/errors.mjs';

const PG_LIB = '/usr/lib/postgresql';
/** Superuser of the project-local cluster (initdb --username); reachable over the local socket only. */
const SUPERUSER = 'postgres';
/** System user that runs the cluster when the scripts run as root (PostgreSQL refuses root). */
const SYSTEM_USER = 'postgres';
const SQL_FILE = path.join(ROOT, 'tools', 'devstack', 'pieces', 'postgres', 'service-database.sql');
/** Unix socket paths are limited to 107 bytes (sun_path); keep a margin. */
const MAX_SOCKET_PATH = 100;

const PSQL_ENV = { PGCONNECT_TIMEOUT: '10', PGAPPNAME: 'orderflow-scripts' };
const EXISTING_SERVER_HINT =
  'check PG_ADMIN_USER, PG_ADMIN_PASSWORD, PG_HOST and PG_PORT, or unset PG_ADMIN_USER to use the project-local cluster';

/**
 * One login role and one database per service (plus `<database>_test` for the tests and
 * `<database>_cluster` for the local Kubernetes cluster).
 * The passwords are DEVELOPMENT DEFAULTS for the local cluster only; override them with
 * ORDERS_DB_PASSWORD, PAYMENTS_DB_PASSWORD, NOTIFICATIONS_DB_PASSWORD on anything shared.
 */
export const SERVICE_DATABASES = {
  'order-service': {
    role: 'orders_service',
    database: 'orderflow_orders',
    passwordEnv: 'ORDERS_DB_PASSWORD',
    devPassword: 'orders-dev-password',
  },
  'payment-service': {
    role: 'payments_service',
    database: 'orderflow_payments',
    passwordEnv: 'PAYMENTS_DB_PASSWORD',
    devPassword: 'payments-dev-password',
  },
  'notification-service': {
    role: 'notifications_service',
    database: 'orderflow_notifications',
    passwordEnv: 'NOTIFICATIONS_DB_PASSWORD',
    devPassword: 'notifications-dev-password',
  },
};

const passwordOf = (entry) => process.env[entry.passwordEnv] || entry.devPassword;

/** Each service's databases: the one `npm start` uses, the tests' and the local Kubernetes cluster's. */
const DATABASE_VARIANTS = Object.freeze({ start: '', test: '_test', cluster: '_cluster' });
const databaseName = (entry, variant) => {
  if (!(variant in DATABASE_VARIANTS)) throw new Error(`unknown database variant "${variant}" (expected one of ${Object.keys(DATABASE_VARIANTS).join(', ')})`);
  return `${entry.database}${DATABASE_VARIANTS[variant]}`;
};
const isRoot = () => process.getuid?.() === 0;
const existingServer = () => Boolean(settings.postgres.adminUser);

/**
 * postgres://<role>:<password>@<host>:<port>/<database> for one service.
 * @param {'order-service'|'payment-service'|'notification-service'} service
 */
export function databaseUrl(service, { variant = 'start' } = {}) {
  const entry = SERVICE_DATABASES[service];
  if (!entry) {
    throw new Error(`unknown service "${service}" (expected one of ${Object.keys(SERVICE_DATABASES).join(', ')})`);
  }
  const { host, port } = settings.postgres;
  const hostPart = host.includes(':') ? `[${host}]` : host;
  const database = databaseName(entry, variant);
  return `postgres://${encodeURIComponent(entry.role)}:${encodeURIComponent(passwordOf(entry))}@${hostPart}:${port}/${encodeURIComponent(database)}`;
}

// ---------------------------------------------------------------------------------------
// Finding (or installing) PostgreSQL

/**
 * The PostgreSQL major the project runs on: Debian 12's postgresql, which npm start
 * installs when none is there. The Docker alternative (tools/devstack/docker-compose.yaml)
 * runs the same major; test/docker-compose.test.mjs keeps them together.
 */
export const POSTGRES_MAJOR = '15';

/** Server versions under /usr/lib/postgresql with initdb and postgres, newest first. */
function installedServerVersions() {
  let entries;
  try {
    entries = fs.readdirSync(PG_LIB);
  } catch (error) {
    if (isMissing(error)) return [];
    throw error;
  }
  return entries
    .filter((v) => /^\d+(\.\d+)?$/.test(v))
    .filter((v) => ['postgres', 'initdb', 'pg_isready', 'psql'].every((b) => fs.existsSync(path.join(PG_LIB, v, 'bin', b))))
    .sort((a, b) => Number(b) - Number(a));
}

/** psql: the newest versioned client, else whatever is on PATH. */
function findPsql() {
  let entries = [];
  try {
    entries = fs.readdirSync(PG_LIB).filter((v) => /^\d+(\.\d+)?$/.test(v)).sort((a, b) => Number(b) - Number(a));
  } catch (error) {
    // No versioned clients: PATH may have one.
    if (!isMissing(error)) throw error;
  }
  for (const v of entries) {
    const candidate = path.join(PG_LIB, v, 'bin', 'psql');
    if (fs.existsSync(candidate)) return candidate;
  }
  return findOnPath('psql');
}

/** Whether apt knows a package it could install (after apt-get update). */
function aptHasPackage(name) {
  const policy = spawnSync('apt-cache', ['policy', name], { encoding: 'utf8' });
  const candidate = policy.stdout?.match(/Candidate:\s*(\S+)/)?.[1];
  return policy.status === 0 && Boolean(candidate) && candidate !== '(none)';
}

/** `otherwise`: the packages to install instead when apt has no packages[0] (this distribution does not carry it). */
async function aptInstall(packages, title, { otherwise } = {}) {
  await step(title, async () => {
    const env = { DEBIAN_FRONTEND: 'noninteractive' };
    const hint = `check that the Debian package mirror is reachable (apt-get update), or install ${packages.join(' ')} yourself`;
    // Other setup scripts may be running apt at the same time: wait for the dpkg lock.
    const lock = ['-o', 'DPkg::Lock::Timeout=300'];
    await run('apt-get', [...lock, 'update'], { env, hint });
    let install = packages;
    if (otherwise && !aptHasPackage(packages[0])) {
      info(`apt has no package ${packages[0]} here: installing ${otherwise.join(' ')} (the distribution's own major) instead`);
      install = otherwise;
    }
    await run('apt-get', [...lock, 'install', '-y', '--no-install-recommends', ...install], { env, hint });
  });
}

/**
 * Which installed server (versions newest first) a new cluster uses:
 * POSTGRES_MAJOR when it is there, else the newest, with a note saying so.
 * (A cluster that exists keeps the server its data was made by: binDirFor.)
 */
export function serverVersionFor(installed, wanted = POSTGRES_MAJOR) {
  if (installed.length === 0) return undefined;
  if (installed.includes(wanted)) return { version: wanted };
  return {
    version: installed[0],
    note: `PostgreSQL ${wanted} (POSTGRES_MAJOR) is not installed; using ${installed[0]} (found ${installed.join(', ')})`,
  };
}

/**
 * Debian's package creates its own cluster ("main", port 5432) and, on a machine without
 * systemd, may start it right away. Right after WE installed the package, stop that
 * cluster if it sits on the port our project-local cluster wants.
 */
async function stopFreshDebianClusterOnOurPort() {
  const listed = spawnSync('pg_lsclusters', ['-h'], { encoding: 'utf8' });
  if (listed.status !== 0) return;
  for (const line of listed.stdout.split('\n')) {
    const [version, cluster, port, status] = line.trim().split(/\s+/);
    if (!cluster || Number(port) !== settings.postgres.port || !status?.startsWith('online')) continue;
    info(`stopping Debian's own cluster ${version}/${cluster} on port ${port} (just installed; we run a project-local cluster)`);
    await run('pg_ctlcluster', [version, cluster, 'stop'], { hint: `stop it yourself: pg_ctlcluster ${version} ${cluster} stop` });
  }
}

let found;

/**
 * Makes sure PostgreSQL is there. Project-local mode: the server binaries (installed with
 * apt-get when missing and we are root). Existing-server mode: only psql.
 * @returns {Promise<{mode: 'local', version: string, binDir: string, psql: string} | {mode: 'existing', psql: string}>}
 */
export async function ensurePostgres() {
  if (found) return found;
  if (existingServer()) {
    let psql = findPsql();
    if (!psql && isRoot()) {
      await aptInstall(['postgresql-client'], 'Installing the PostgreSQL client with apt-get (postgresql-client)');
      psql = findPsql();
    }
    if (!psql) {
      throw new SetupError('psql (the PostgreSQL client) is not installed; it is needed to create the databases', {
        hint: `as root, ${installHint('postgresql-client')}`,
      });
    }
    found = { mode: 'existing', psql };
    return found;
  }
  let versions = installedServerVersions();
  if (versions.length === 0) {
    if (!isRoot()) {
      throw new SetupError(`the PostgreSQL server is not installed (no ${PG_LIB}/<version>/bin/postgres)`, {
        hint: `as root, ${installHint('postgresql-server')}`,
      });
    }
    await aptInstall([`postgresql-${POSTGRES_MAJOR}`], `Installing PostgreSQL ${POSTGRES_MAJOR} with apt-get (postgresql-${POSTGRES_MAJOR})`, { otherwise: ['postgresql'] });
    await stopFreshDebianClusterOnOurPort();
    versions = installedServerVersions();
    if (versions.length === 0) {
      throw new SetupError(`apt-get installed postgresql, but there is still no server under ${PG_LIB}`, {
        hint: `check \`dpkg -l "postgresql*"\`; ${installHint('postgresql-server', { version: '<version>' })}`,
      });
    }
  }
  const { version, note } = serverVersionFor(versions);
  if (note) info(note);
  const binDir = path.join(PG_LIB, version, 'bin');
  found = { mode: 'local', version, binDir, psql: path.join(binDir, 'psql') };
  return found;
}

// ---------------------------------------------------------------------------------------
// Where the project-local cluster lives

function systemUserIds() {
  const uid = spawnSync('id', ['-u', SYSTEM_USER], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', SYSTEM_USER], { encoding: 'utf8' });
  if (uid.status !== 0 || gid.status !== 0) {
    throw new SetupError(`running as root, but there is no "${SYSTEM_USER}" system user to run PostgreSQL as (it refuses to run as root)`, {
      hint: `reinstall the postgresql package (it creates the user), or run the scripts as a normal user`,
    });
  }
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/**
 * Command prefix that runs something as the postgres system user. setpriv execs the
 * command (same process, same process group), so stop() signals the server itself;
 * `runuser` would stay in between and SIGKILL the server 2s after forwarding a SIGTERM.
 */
const AS_SYSTEM_USER = ['--reuid', SYSTEM_USER, '--regid', SYSTEM_USER, '--init-groups', '--'];

/** Runs a one-shot PostgreSQL tool as the cluster's owner. */
function runAsOwner(command, args, options) {
  return isRoot() ? run('setpriv', [...AS_SYSTEM_USER, command, ...args], options) : run(command, args, options);
}

function canSystemUserReach(dir) {
  return spawnSync('setpriv', [...AS_SYSTEM_USER, 'test', '-x', dir], { stdio: 'ignore' }).status === 0;
}

let layoutCache;

/**
 * Paths of the project-local cluster: normally .local/postgres/{data,run}. When root and
 * the postgres user cannot traverse the checkout (a clone under /root, mode 700), or the
 * socket path would be too long, they move to /var/tmp/orderflow-pg-<hash of ROOT>, and
 * .local/postgres/data becomes a symlink to it (with a README.txt saying why).
 */
function clusterLayout() {
  if (layoutCache) return layoutCache;
  const home = path.join(LOCAL, 'postgres');
  const port = settings.postgres.port;
  const socketTooLong = path.join(home, 'run', `.s.PGSQL.${port}`).length > MAX_SOCKET_PATH;
  let linked = false;
  try {
    linked = fs.lstatSync(path.join(home, 'data')).isSymbolicLink();
  } catch (error) {
    if (!isMissing(error)) throw error;
  }
  let unreachable = false;
  if (isRoot() && !linked && !socketTooLong) {
    fs.mkdirSync(LOCAL, { recursive: true });
    unreachable = !canSystemUserReach(LOCAL);
  }
  const external = linked || socketTooLong || unreachable;
  const hash = crypto.createHash('sha256').update(`${process.getuid?.() ?? ''}:${ROOT}`).digest('hex').slice(0, 10);
  const base = external ? `/var/tmp/orderflow-pg-${hash}` : home;
  layoutCache = {
    home,
    base,
    data: path.join(base, 'data'),
    run: path.join(base, 'run'),
    external,
    why: socketTooLong
      ? `the socket path under ${home} would exceed the ${MAX_SOCKET_PATH}-byte limit of Unix sockets`
      : `the "${SYSTEM_USER}" user cannot reach ${LOCAL} (a parent directory is not searchable, e.g. /root is mode 700)`,
  };
  return layoutCache;
}

/** The postmaster of a cluster, read from its postmaster.pid, if that process still runs. */
function runningPostmaster(dataDir) {
  try {
    const lines = fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n');
    const pid = Number(lines[0]);
    if (!Number.isInteger(pid) || pid <= 0) return null;
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (!cmdline.includes('postgres')) return null; // stale file, PID reused
    return { pid, port: Number(lines[3]), socketDir: lines[4] };
  } catch (error) {
    // No postmaster.pid (not running), or its PID has exited (a stale file).
    if (isExitedProcess(error)) return null;
    throw error;
  }
}

function chownTree(dir, ids) {
  fs.chownSync(dir, ids.uid, ids.gid);
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) chownTree(full, ids);
    else fs.lchownSync(full, ids.uid, ids.gid);
  }
}

/** Creates the cluster's folders with the right owner; returns true when initdb is needed. */
function prepareClusterDirs(L) {
  const ids = isRoot() ? systemUserIds() : null;
  fs.mkdirSync(L.home, { recursive: true });
  if (L.external) {
    const link = path.join(L.home, 'data');
    let linkExists = false;
    try {
      linkExists = fs.lstatSync(link).isSymbolicLink();
    } catch (error) {
      if (!isMissing(error)) throw error;
    }
    if (!linkExists && fs.existsSync(L.base) && !runningPostmaster(L.data)) {
      // .local/postgres was deleted ("reset"): forget the data it pointed to as well.
      info(`removing ${L.base} (left from before .local/postgres was deleted)`);
      fs.rmSync(L.base, { recursive: true, force: true });
    }
    fs.mkdirSync(L.base, { recursive: true, mode: 0o700 });
    if (!linkExists) {
      fs.rmSync(link, { recursive: true, force: true });
      fs.symlinkSync(L.data, link);
    }
    fs.writeFileSync(
      path.join(L.home, 'README.txt'),
      `The project-local PostgreSQL cluster lives in ${L.base}\n` +
        `(data: ${L.data}, socket: ${L.run}) because ${L.why}.\n` +
        `Deleting this folder resets the cluster: the next start removes ${L.base} and runs initdb again.\n`,
    );
  }
  fs.mkdirSync(L.base, { recursive: true, mode: 0o700 });
  fs.mkdirSync(L.data, { recursive: true, mode: 0o700 });
  fs.mkdirSync(L.run, { recursive: true, mode: 0o700 });
  fs.chmodSync(L.run, 0o700); // the socket trusts whoever reaches it
  if (ids && fs.statSync(L.base).uid !== ids.uid) chownTree(L.base, ids);
  if (ids && fs.statSync(L.data).uid !== ids.uid) chownTree(L.data, ids);
  if (ids && fs.statSync(L.run).uid !== ids.uid) chownTree(L.run, ids);

  // initdb writes a marker only we write after it succeeded; PG_VERSION without the
  // marker means an initdb that was killed half-way, whose leftovers we discard.
  const initialized = fs.existsSync(path.join(L.base, 'initdb.done'));
  const hasVersion = fs.existsSync(path.join(L.data, 'PG_VERSION'));
  if (hasVersion && initialized) return false;
  if (fs.readdirSync(L.data).length > 0) {
    info(`discarding an incomplete cluster in ${L.data} (initdb did not finish)`);
    fs.rmSync(L.data, { recursive: true, force: true });
    fs.mkdirSync(L.data, { mode: 0o700 });
    if (ids) fs.chownSync(L.data, ids.uid, ids.gid);
  }
  return true;
}

/** The binaries that match the cluster's data (a cluster from PostgreSQL 15 needs 15's server). */
function binDirFor(L, chosen) {
  let dataVersion;
  try {
    dataVersion = fs.readFileSync(path.join(L.data, 'PG_VERSION'), 'utf8').trim();
  } catch (error) {
    // No cluster yet: initdb makes one with the server ensurePostgres chose (POSTGRES_MAJOR when installed).
    if (isMissing(error)) return chosen;
    throw error;
  }
  if (dataVersion === chosen.version) return chosen;
  const binDir = path.join(PG_LIB, dataVersion, 'bin');
  if (fs.existsSync(path.join(binDir, 'postgres'))) return { ...chosen, version: dataVersion, binDir, psql: path.join(binDir, 'psql') };
  throw new SetupError(`the project cluster in ${L.data} was created by PostgreSQL ${dataVersion}, which is no longer installed (found ${chosen.version})`, {
    hint: `${installHint('postgresql-server', { version: dataVersion })}; or delete ${L.home}${L.external ? ` and ${L.base}` : ''} to start over with an empty cluster (local data is lost)`,
  });
}

/**
 * Where the project-local cluster lives and whether it runs, e.g. for `npm stop` after a
 * script was killed and left the server behind (stop it with SIGINT to `running.pid`).
 * @returns {{dataDir: string, socketDir: string, running: {pid: number, port: number} | null}}
 */
export function projectCluster() {
  const L = clusterLayout();
  const postmaster = runningPostmaster(L.data);
  return { dataDir: L.data, socketDir: L.run, running: postmaster && { pid: postmaster.pid, port: postmaster.port } };
}

// ---------------------------------------------------------------------------------------
// Talking to the server


/** pg_isready: 0 accepting, 1 rejecting (starting up/shutting down), 2 no response, 3 bad call. */
function pgIsReady(bin, host, port) {
  return spawnSync(path.join(bin.binDir, 'pg_isready'), ['-q', '-h', host, '-p', String(port), '-U', SUPERUSER, '-d', 'postgres', '-t', '3'], { stdio: 'ignore' }).status;
}

/** psql connection arguments and environment for the admin/superuser connection. */
async function adminConnection() {
  const pg = await ensurePostgres();
  const { host, port, adminUser, adminPassword } = settings.postgres;
  if (pg.mode === 'existing') {
    return {
      psql: pg.psql,
      args: ['-h', host, '-p', String(port), '-U', adminUser, '-d', 'postgres'],
      env: { ...PSQL_ENV, ...(adminPassword ? { PGPASSWORD: adminPassword } : {}) },
      hint: EXISTING_SERVER_HINT,
    };
  }
  const L = clusterLayout();
  const bin = binDirFor(L, pg);
  return {
    psql: bin.psql,
    // Superuser over the cluster's private Unix socket (trust): no password exists for it.
    args: ['-h', L.run, '-p', String(port), '-U', SUPERUSER, '-d', 'postgres'],
    env: PSQL_ENV,
    hint: 'is the project cluster running? (npm start starts it; its log is .local/logs/postgres.log)',
  };
}

/** Runs SQL (`-c`) or a script (stdin) as admin; returns psql's unaligned, tuples-only output. */
async function adminPsql({ sql, input }) {
  const conn = await adminConnection();
  const args = [...conn.args, '-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1'];
  args.push(...(sql !== undefined ? ['-c', sql] : ['-f', '-']));
  return run(conn.psql, args, { env: conn.env, input, hint: conn.hint });
}

// ---------------------------------------------------------------------------------------
// Starting

/**
 * Starts the project-local cluster (initdb on first use) and waits until it answers.
 * Reuses our cluster when it already runs (returns null); fails clearly when the port
 * belongs to something else. Existing-server mode: checks the admin login and returns null.
 * @param {{fast?: boolean}} options fast: fsync/synchronous_commit/full_page_writes off
 *   (throw-away TEST clusters only: a crash can lose or corrupt data).
 * @returns {Promise<ReturnType<typeof startProcess> | null>}
 */
export async function startPostgres({ fast = false } = {}) {
  const pg = await ensurePostgres();
  const { host, port, adminUser } = settings.postgres;

  if (pg.mode === 'existing') {
    let privileges;
    try {
      privileges = (
        await adminPsql({ sql: 'SELECT rolsuper, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = current_user' })
      ).trim();
    } catch (error) {
      throw new SetupError(`cannot log in to PostgreSQL at ${host}:${port} as ${adminUser}: ${error.message}`, {
        hint: EXISTING_SERVER_HINT,
      });
    }
    const [superuser, createrole, createdb] = privileges.split('|');
    if (superuser !== 't' && (createrole !== 't' || createdb !== 't')) {
      throw new SetupError(`PG_ADMIN_USER ${adminUser} may not create roles and databases on ${host}:${port}`, {
        hint: `use a superuser, or: ALTER ROLE ${adminUser} CREATEROLE CREATEDB;`,
      });
    }
    info(`using the existing PostgreSQL server at ${host}:${port} as ${adminUser}`);
    return null;
  }

  if (host !== '127.0.0.1') {
    throw new SetupError(`PG_HOST=${host} is set, but the project-local cluster listens on 127.0.0.1 only`, {
      hint: 'unset PG_HOST, or set PG_ADMIN_USER (and PG_ADMIN_PASSWORD) to use the server at PG_HOST',
    });
  }

  const L = clusterLayout();
  const portHint = `choose another port for the project cluster (e.g. PG_PORT=${port + 1}), or use that server: set PG_ADMIN_USER and PG_ADMIN_PASSWORD`;

  // 1. Our cluster already runs (an earlier `npm start` still up, or one left behind)?
  const postmaster = runningPostmaster(L.data);
  if (postmaster) {
    if (postmaster.port !== port || path.resolve(postmaster.socketDir) !== path.resolve(L.run)) {
      throw new SetupError(
        `the project cluster (${L.data}) is already running as PID ${postmaster.pid} on port ${postmaster.port}, not ${port}`,
        { hint: `stop it (kill -INT ${postmaster.pid}) or set PG_PORT=${postmaster.port}` },
      );
    }
    const bin = binDirFor(L, pg);
    await waitFor(`the running project cluster (PID ${postmaster.pid})`, () => pgIsReady(bin, L.run, port) === 0, {
      timeoutMs: 30_000,
      hint: `see .local/logs/postgres.log; stop it with kill -INT ${postmaster.pid}`,
    });
    info(
      `reusing the project cluster already running on 127.0.0.1:${port} (PID ${postmaster.pid}; it keeps the settings it was started with)`,
    );
    return null;
  }

  // 2. Someone else on our port?
  if (await tcpAnswers(port)) {
    const status = pgIsReady(pg, '127.0.0.1', port);
    const what = status === 0 || status === 1 ? 'another PostgreSQL server (not the project cluster)' : 'another program';
    throw new SetupError(`port ${port} on 127.0.0.1 is already used by ${what}`, { hint: portHint });
  }

  // 3. initdb once.
  const needsInit = prepareClusterDirs(L);
  const bin = binDirFor(L, pg);
  if (needsInit) {
    info(`creating the project cluster in ${L.data} (PostgreSQL ${bin.version}, initdb)`);
    await runAsOwner(
      path.join(bin.binDir, 'initdb'),
      [
        '-D', L.data,
        `--username=${SUPERUSER}`,
        '--auth-local=trust', // the socket directory is private (mode 700)
        '--auth-host=scram-sha-256', // TCP: the services log in with their passwords
        '--encoding=UTF8',
        '--locale=C.UTF-8',
        // Test clusters skip initdb's final fsync too (about half of a first start).
        ...(fast ? ['--no-sync'] : []),
      ],
      { cwd: L.base, hint: `see the initdb output above; delete ${L.home} to start over` },
    );
    fs.writeFileSync(path.join(L.base, 'initdb.done'), `${new Date().toISOString()} PostgreSQL ${bin.version}\n`);
  }

  // 4. Start the server as our child.
  const socketDir = /[\s,"]/.test(L.run) ? `"${L.run.replaceAll('"', '""')}"` : L.run;
  const serverArgs = [
    '-D', L.data,
    '-c', 'listen_addresses=127.0.0.1',
    '-c', `port=${port}`,
    '-c', `unix_socket_directories=${socketDir}`,
    '-c', 'max_connections=200', // 3 services x pools, test workers, psql sessions
  ];
  if (fast) {
    // Throw-away test clusters only: a crash may lose or corrupt data.
    serverArgs.push('-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off');
  }
  const postgresBin = path.join(bin.binDir, 'postgres');
  const handle = startProcess({
    name: 'postgres',
    command: isRoot() ? 'setpriv' : postgresBin,
    // setpriv execs postgres: /proc shows postgres, and that is what a later run must find.
    recordAs: postgresBin,
    args: isRoot() ? [...AS_SYSTEM_USER, postgresBin, ...serverArgs] : serverArgs,
    cwd: L.base,
    // SIGINT = "fast shutdown": disconnects clients, writes a checkpoint, exits cleanly.
    // (SIGTERM waits for every client to disconnect.)
    stopSignal: 'SIGINT',
    stopTimeoutMs: 30_000,
  });
  const hint = `see ${handle.logFile}`;
  try {
    await waitFor(
      `PostgreSQL on 127.0.0.1:${port}`,
      async () => {
        if (!handle.alive) return true; // reported just below
        if (pgIsReady(bin, L.run, port) !== 0 || pgIsReady(bin, '127.0.0.1', port) !== 0) return false;
        return (await adminPsql({ sql: 'SELECT 1' })).trim() === '1';
      },
      { timeoutMs: 60_000, intervalMs: 100, hint },
    );
    handle.assertAlive(hint);
  } catch (error) {
    await handle.stop();
    if (error instanceof SetupError && !error.message.includes(handle.logFile)) {
      error.message += `\nLast lines of ${handle.logFile}:\n${handle.tail()}`;
    }
    throw error;
  }
  return handle;
}

// ---------------------------------------------------------------------------------------
// Roles and databases

/** psql \set value: single-quoted, with psql's escapes. */
const psqlQuote = (value) =>
  `'${String(value).replaceAll('\\', '\\\\').replaceAll("'", "''").replaceAll('\n', '\\n').replaceAll('\r', '\\r')}'`;

/**
 * Creates (idempotently) the three service roles and their databases (and *_test, *_cluster
 * databases), each owned by its role and closed to everyone else. Also re-applies the
 * configured passwords, so changing *_DB_PASSWORD takes effect on the next start.
 */
export async function ensureDatabases() {
  let script = '';
  for (const entry of Object.values(SERVICE_DATABASES)) {
    for (const database of Object.keys(DATABASE_VARIANTS).map((variant) => databaseName(entry, variant))) {
      script +=
        `\\set role ${psqlQuote(entry.role)}\n` +
        `\\set password ${psqlQuote(passwordOf(entry))}\n` +
        `\\set db ${psqlQuote(database)}\n` +
        `\\i ${psqlQuote(SQL_FILE)}\n`;
    }
  }
  await adminPsql({ input: script });
}

/**
 * Drops the local Kubernetes cluster's three databases (*_cluster; never those of
 * `npm start` or the tests) and makes them again, empty: the cluster's install
 * starts from nothing, so its migration hooks are what creates every table.
 */
export async function recreateClusterDatabases() {
  const drops = Object.values(SERVICE_DATABASES).map((entry) => `DROP DATABASE IF EXISTS "${databaseName(entry, 'cluster')}" WITH (FORCE);\n`).join('');
  await adminPsql({ input: drops });
  await ensureDatabases();
}

/** The piece (tools/devstack/lib/piece.mjs): the project cluster on PG_PORT, or your server (PG_ADMIN_USER). */
export const piece = definePiece({
  name: 'postgres',
  kind: 'server',
  async detect() {
    const { host, port } = settings.postgres;
    if (existingServer()) {
      return { installed: Boolean(findPsql()), running: await tcpAnswers(port, { host }), where: `${host}:${port} (PG_ADMIN_USER: your server)` };
    }
    const versions = installedServerVersions();
    const cluster = projectCluster();
    const portTaken = !cluster.running && (await tcpAnswers(port));
    return {
      installed: versions.length > 0,
      running: Boolean(cluster.running) || portTaken,
      where: `${path.relative(ROOT, cluster.dataDir)}${cluster.running ? ` (PID ${cluster.running.pid}, port ${cluster.running.port})` : ''}`,
      version: versions[0],
      ...(portTaken && { note: `port ${port} is taken by a server that is not the project cluster` }),
    };
  },
  install: ensurePostgres,
  start: startPostgres,
  async health() {
    const { host, port } = settings.postgres;
    if (!(await tcpAnswers(port, { host }))) return notHealthy(`nothing listens on ${host}:${port}`);
    try {
      const answer = (await adminPsql({ sql: 'SELECT 1' })).trim();
      return answer === '1' ? healthy(`SELECT 1 on ${host}:${port}`) : notHealthy(`SELECT 1 answered "${answer}"`);
    } catch (error) {
      return notHealthy(`SELECT 1 on ${host}:${port} failed: ${error.message.split('\n')[0]}`);
    }
  },
  stop: async () => findProcess('postgres')?.stop(),
});
