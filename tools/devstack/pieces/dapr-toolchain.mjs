// The Dapr toolchain: our slim build of the real sidecar runtime (daprd, from
// dapr/daprd/), Dapr's certificate authority (Sentry) and the Dapr CLI, all
// built from the Go module proxy into .local/ and rebuilt only when a pinned
// input changes.
//
//   .local/dapr/.dapr/bin/daprd   so DAPR_RUNTIME_PATH=<repo>/.local/dapr works for the CLI
//   .local/dapr/.dapr/bin/sentry  Dapr's own cmd/sentry, built inside dapr/daprd's module
//   .local/bin/dapr               the CLI (`go install` names it `cli`)
//   .local/dapr/nameresolution.db the sqlite name-resolution file of dapr/config.yaml
//
// ORDERFLOW_USE_SYSTEM_DAPR=1 uses the user's own installation instead (`dapr`
// on PATH, $HOME/.dapr/bin/daprd as made by `dapr init`). ORDERFLOW_DAPR_CLI=<path>
// uses a CLI from elsewhere beside our daprd. ORDERFLOW_REBUILD_DAPR=1 rebuilds.
//
// Why daprd reports the version "edge" (buildinfo.version):
// the Dapr CLI runs `daprd --version` and, in run-file mode (`dapr run -f`),
// replaces an empty or missing `schedulerHostAddress` with localhost:50006
// whenever that version is valid semver above 1.15.0-rc.0 (dapr/cli v1.18.0
// cmd/run.go validateSchedulerHostAddress); there is no way to switch the
// scheduler off in a run file for such a runtime. A daprd pointed at a scheduler
// that is not running keeps /v1.0/healthz at 500 forever, and we run no control
// plane. "edge" is what Dapr itself prints for a build that is not a release
// build, which this is, and the CLI knows it: it leaves the address empty, and
// plain `dapr run` behaves as for a current runtime. Measured with the CLI:
// "1.18.2" -> --scheduler-host-address localhost:50006, healthz 500 for good;
// "edge" -> no scheduler flag, healthz 204 in 1.5 s. (A non-semver string such
// as "edge-1.18.2" also passes run-file mode, but plain `dapr run` then takes
// the runtime for one older than 1.14, prints a false warning and blanks its
// scheduler arguments.) The real version is not lost: `daprd --build-info`
// prints the Dapr commit and tag and the module versions compiled in, the first
// log line repeats them, and every log line carries ver=edge-v<dapr version>.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LOCAL, ROOT } from '../lib/settings.mjs';
import { info, run, SetupError, step } from '../lib/step.mjs';
import { findOnPath, isExecutable, readStamp, writeStamp } from '../lib/local-files.mjs';
import { installHint, requiredGoVersion } from '../install-hints.mjs';
import { definePiece, toolRuns } from '../lib/piece.mjs';

/**
 * What the toolchain is built from. dapr/daprd/go.mod is the source of truth for
 * the module versions; ensureDaprToolchain() refuses to build when they disagree,
 * so this list cannot go stale silently.
 *
 * dapr is v1.18.2, not the newer v1.18.3: v1.18.3 requires
 * github.com/dapr/durabletask-go v0.12.4, which the Go module proxy reachable
 * here refuses (403), as it refuses components-contrib v1.18.6's source.
 * components-contrib v1.18.4 is the version Dapr v1.18.3 ships with (v1.18.2 asks
 * for v1.18.3; the difference is one Azure auth file).
 */
export const DAPR_PINS = Object.freeze({
  dapr: 'v1.18.2',
  daprCommit: 'd2dd3747145e38e4d85db4714e26d7569c9c37db',
  componentsContrib: 'v1.18.4',
  kit: 'v0.18.2',
  cli: 'v1.18.0',
  cliCommit: '5e1d152563332cbdd7e0c8e226d29ae39334d5a4',
  /** dapr/daprd/go.mod's go line (dapr v1.18.2 needs go 1.26.5); developed and measured with go1.26.8. */
  minGo: requiredGoVersion(),
  /** What `daprd --version` prints: see the comment at the top of this file. */
  runtimeVersionString: 'edge',
  /** The components our daprd registers (dapr/daprd/components.go). */
  components: [
    'pubsub.kafka',
    'pubsub.in-memory',
    'bindings.smtp',
    'bindings.cron',
    'nameresolution.sqlite',
    'nameresolution.mdns',
    'nameresolution.kubernetes',
    'secretstores.local.file',
    'secretstores.local.env',
    'secretstores.kubernetes',
    'middleware.http.ratelimit',
    'middleware.http.bodylimit',
  ],
});

const SOURCE_DIR = path.join(ROOT, 'dapr', 'daprd');
/** The CLI's runtime path (its --runtime-path / DAPR_RUNTIME_PATH): daprd is at <it>/.dapr/bin/daprd. */
export const RUNTIME_PATH = path.join(LOCAL, 'dapr');
const DAPRD = path.join(RUNTIME_PATH, '.dapr', 'bin', 'daprd');
/** daprd of the user's own `dapr init` installation (ORDERFLOW_USE_SYSTEM_DAPR=1). */
const SYSTEM_DAPRD = path.join(os.homedir(), '.dapr', 'bin', 'daprd');
/** The daprd the sidecars run: ours, or the user's with ORDERFLOW_USE_SYSTEM_DAPR=1. */
function daprdInUse() {
  return process.env.ORDERFLOW_USE_SYSTEM_DAPR === '1' ? SYSTEM_DAPRD : DAPRD;
}
const SENTRY = path.join(RUNTIME_PATH, '.dapr', 'bin', 'sentry');
/**
 * Sentry needs no component registration, so Dapr's own main package is built
 * as it is, from inside dapr/daprd's module (its go.mod names it in a `tool`
 * directive so that `go mod tidy` keeps what it needs): same pinned Dapr, same
 * go.sum, nothing of ours compiled in.
 */
const SENTRY_PACKAGE = 'github.com/dapr/dapr/cmd/sentry';
const CLI = path.join(LOCAL, 'bin', 'dapr');
const STAMP = path.join(RUNTIME_PATH, 'toolchain-stamp.json');
/** A failed CLI build is tried again after this long (or with ORDERFLOW_REBUILD_DAPR=1). */
const CLI_RETRY_MS = 24 * 60 * 60 * 1000;
/** dapr/config.yaml's connectionString (../../.local/dapr/nameresolution.db from apps/<service>) points here. */
export const NAME_RESOLUTION_DB = path.join(RUNTIME_PATH, 'nameresolution.db');

// Sentry is stamped with the same build information as daprd.
const DAPRD_LDFLAGS = [
  '-s',
  '-w',
  `-X github.com/dapr/dapr/pkg/buildinfo.version=${DAPR_PINS.runtimeVersionString}`,
  `-X github.com/dapr/dapr/pkg/buildinfo.gitcommit=${DAPR_PINS.daprCommit}`,
  `-X github.com/dapr/dapr/pkg/buildinfo.gitversion=${DAPR_PINS.dapr}`,
  `-X github.com/dapr/kit/logger.DaprVersion=${DAPR_PINS.runtimeVersionString}-${DAPR_PINS.dapr}`,
].join(' ');
const CLI_LDFLAGS = [
  '-s',
  '-w',
  `-X main.version=${DAPR_PINS.cli.slice(1)}`,
  `-X github.com/dapr/cli/pkg/standalone.gitcommit=${DAPR_PINS.cliCommit}`,
  `-X github.com/dapr/cli/pkg/standalone.gitversion=${DAPR_PINS.cli}`,
].join(' ');

// Our builds must not pick up a go.work above the repo, cgo or a vendor mode
// from the user's environment.
const GO_ENV = { CGO_ENABLED: '0', GOWORK: 'off', GOFLAGS: '-buildvcs=false' };

const GO_HINT = installHint('go', { version: DAPR_PINS.minGo, orElse: 'or set ORDERFLOW_USE_SYSTEM_DAPR=1 to use a Dapr installed with `dapr init`' });

/**
 * Makes sure daprd, Sentry and the Dapr CLI exist and match the pinned inputs.
 * Returns { daprd, sentry, dapr, runtimePath, version, nameResolutionDb, system, cliUnavailable }:
 * - daprd, sentry, dapr: absolute paths; `dapr` is null when the CLI could not be had
 *   (cliUnavailable then says why) unless `requireCli` is set, which throws instead.
 * - runtimePath: what to pass as DAPR_RUNTIME_PATH / --runtime-path.
 * - version: { runtime: what `daprd --version` prints, dapr, componentsContrib, cli }.
 * - schedulerForcedByRunFile: true when `dapr run -f` will point the sidecars at a
 *   scheduler on localhost:50006 whatever the run file says (see the top of this file).
 */
export async function ensureDaprToolchain({ requireCli = false } = {}) {
  fs.mkdirSync(RUNTIME_PATH, { recursive: true }); // the name-resolution DB lives here in every mode
  if (process.env.ORDERFLOW_USE_SYSTEM_DAPR === '1') return useSystemDapr();

  const go = await step('Checking the Go toolchain', () => checkGo());
  const daprdInputs = hashInputs(go.version);
  const cliInputs = hash(JSON.stringify([go.version, DAPR_PINS.cli, CLI_LDFLAGS]));
  const stamp = readStamp(STAMP);
  const force = process.env.ORDERFLOW_REBUILD_DAPR === '1';

  if (force || stamp.daprd !== daprdInputs || !isExecutable(DAPRD)) {
    checkGoModMatchesPins();
    const modCache = (await run(go.bin, ['env', 'GOMODCACHE'], { hint: GO_HINT })).trim();
    await step(`Fetching the Go modules daprd needs (Dapr ${DAPR_PINS.dapr}; cached in ${modCache})`, () =>
      run(go.bin, ['list', '-deps', '-f', '{{.ImportPath}}', '.'], { cwd: SOURCE_DIR, env: GO_ENV, hint: buildHint() }),
    );
    await step(`Building daprd (Dapr ${DAPR_PINS.dapr} runtime, slim; first build 2-10 minutes)`, async () => {
      await buildInto(DAPRD, (out) =>
        run(go.bin, ['build', '-trimpath', '-ldflags', DAPRD_LDFLAGS, '-o', out, '.'], { cwd: SOURCE_DIR, env: GO_ENV, hint: buildHint() }),
      );
    });
    writeStamp(STAMP, { ...readStamp(STAMP), daprd: daprdInputs });
  }

  const sentryInputs = hashSentryInputs(go.version);
  if (force || stamp.sentry !== sentryInputs || !isExecutable(SENTRY)) {
    checkGoModMatchesPins();
    await step(`Building Sentry (Dapr ${DAPR_PINS.dapr} certificate authority, ${SENTRY_PACKAGE})`, async () => {
      await buildInto(SENTRY, (out) =>
        run(go.bin, ['build', '-trimpath', '-ldflags', DAPRD_LDFLAGS, '-o', out, SENTRY_PACKAGE], {
          cwd: SOURCE_DIR,
          env: GO_ENV,
          hint: buildHint(),
        }),
      );
    });
    writeStamp(STAMP, { ...readStamp(STAMP), sentry: sentryInputs });
  }

  let dapr = null;
  let cliUnavailable;
  const cliOverride = process.env.ORDERFLOW_DAPR_CLI;
  if (cliOverride) {
    if (!isExecutable(cliOverride)) {
      throw new SetupError(`ORDERFLOW_DAPR_CLI=${cliOverride} is not an executable file`, {
        hint: 'point ORDERFLOW_DAPR_CLI at a Dapr CLI binary, or unset it',
      });
    }
    dapr = path.resolve(cliOverride);
  } else if (!force && stamp.cli === cliInputs && isExecutable(CLI)) {
    dapr = CLI;
  } else if (!force && stamp.cliFailed === cliInputs && Date.now() - (stamp.cliFailedAt ?? 0) < CLI_RETRY_MS) {
    cliUnavailable = stamp.cliError; // failed with these very inputs lately: don't ask the proxy on every start
  } else {
    try {
      await step(`Building the Dapr CLI ${DAPR_PINS.cli} (go install github.com/dapr/cli)`, () => installCli(go));
      dapr = CLI;
      writeStamp(STAMP, { ...readStamp(STAMP), cli: cliInputs, cliFailed: undefined, cliFailedAt: undefined, cliError: undefined });
    } catch (error) {
      if (!(error instanceof SetupError)) throw error;
      // The last lines say why (e.g. the module proxy's "403 Forbidden ... not available").
      const lines = error.message.split('\n').map((line) => line.trim()).filter((line) => line && !line.startsWith('go: downloading'));
      cliUnavailable = lines.slice(-2).join(' ');
      writeStamp(STAMP, { ...readStamp(STAMP), cli: undefined, cliFailed: cliInputs, cliFailedAt: Date.now(), cliError: cliUnavailable });
    }
  }
  if (!dapr) {
    const hint =
      'the Dapr CLI could not be built here. Install it yourself and set ORDERFLOW_DAPR_CLI=/path/to/dapr ' +
      '(or ORDERFLOW_USE_SYSTEM_DAPR=1 for a full `dapr init` installation); ORDERFLOW_REBUILD_DAPR=1 tries the build again';
    if (requireCli) throw new SetupError(`no Dapr CLI: ${cliUnavailable}`, { hint });
    info(`Dapr CLI unavailable (${cliUnavailable}); sidecars can still be started with daprd directly`);
  }

  const runtime = (await run(DAPRD, ['--version'], { hint: 'delete .local/dapr and run again to rebuild daprd' })).trim();
  return {
    daprd: DAPRD,
    sentry: SENTRY,
    dapr,
    runtimePath: RUNTIME_PATH,
    nameResolutionDb: NAME_RESOLUTION_DB,
    system: false,
    version: { runtime, dapr: DAPR_PINS.dapr, componentsContrib: DAPR_PINS.componentsContrib, cli: dapr === CLI ? DAPR_PINS.cli : null },
    schedulerForcedByRunFile: runFileForcesScheduler(runtime),
    cliUnavailable,
  };
}

/** The user's own `dapr init` installation: nothing is built. */
async function useSystemDapr() {
  const home = os.homedir();
  const daprd = SYSTEM_DAPRD;
  // `dapr init --slim` installs no Sentry: tools/devstack/pieces/sentry.mjs says what to do then.
  const sentry = path.join(home, '.dapr', 'bin', 'sentry');
  const dapr = findOnPath('dapr');
  const hint = 'install the Dapr CLI and run `dapr init` (or `dapr init --slim`), or unset ORDERFLOW_USE_SYSTEM_DAPR to build Dapr into .local/';
  if (!dapr) throw new SetupError('ORDERFLOW_USE_SYSTEM_DAPR=1, but there is no `dapr` on PATH', { hint });
  if (!isExecutable(daprd)) throw new SetupError(`ORDERFLOW_USE_SYSTEM_DAPR=1, but ${daprd} does not exist`, { hint });
  const runtime = (await run(daprd, ['--version'], { hint })).trim();
  const cliOut = await run(dapr, ['--version'], { hint, env: { DAPR_RUNTIME_PATH: home } });
  const cli = /CLI version:\s*(\S+)/.exec(cliOut)?.[1] ?? null;
  const forced = runFileForcesScheduler(runtime);
  info(`using the system Dapr: CLI ${cli ?? '?'} (${dapr}), runtime ${runtime} (${daprd})`);
  if (forced) {
    info(`note: with runtime ${runtime}, \`dapr run -f\` points every sidecar at a scheduler on localhost:50006;`);
    info('keep the scheduler from `dapr init` running, or /v1.0/healthz stays 500');
  }
  return {
    daprd,
    sentry: isExecutable(sentry) ? sentry : null,
    dapr,
    runtimePath: home,
    nameResolutionDb: NAME_RESOLUTION_DB,
    system: true,
    version: { runtime, dapr: null, componentsContrib: null, cli },
    schedulerForcedByRunFile: forced,
    cliUnavailable: undefined,
  };
}

/**
 * Mirrors dapr/cli v1.18.0's run-file rule: semver.Compare("v" + version,
 * "v1.15.0-rc.0") == 1 gets schedulerHostAddress localhost:50006. Anything that
 * is not semver after the CLI prefixes a "v" ("edge", "n/a", "v1.18.2") does not.
 */
export function runFileForcesScheduler(runtimeVersion) {
  const m = /^(\d+)(?:\.(\d+)(?:\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?)?)?$/.exec(runtimeVersion.trim());
  if (!m) return false;
  const [major, minor = 0, patch = 0] = m.slice(1, 4).map((part) => Number(part ?? 0));
  if (major !== 1) return major > 1;
  if (minor !== 15) return minor > 15;
  if (patch > 0 || m[4] === undefined) return true;
  return comparePrerelease(m[4], 'rc.0') > 0;
}

function comparePrerelease(a, b) {
  const pa = a.split('.');
  const pb = b.split('.');
  for (let i = 0; i < Math.max(pa.length, pb.length); i += 1) {
    if (pa[i] === undefined) return -1;
    if (pb[i] === undefined) return 1;
    const na = /^\d+$/.test(pa[i]);
    const nb = /^\d+$/.test(pb[i]);
    if (na && nb && Number(pa[i]) !== Number(pb[i])) return Number(pa[i]) - Number(pb[i]);
    if (na !== nb) return na ? -1 : 1;
    if (!na && pa[i] !== pb[i]) return pa[i] < pb[i] ? -1 : 1;
  }
  return 0;
}

async function checkGo() {
  const bin = findOnPath('go');
  if (!bin) throw new SetupError('Go is not installed (no `go` on PATH); it is needed to build the Dapr sidecar', { hint: GO_HINT });
  const version = (await run(bin, ['version'], { hint: GO_HINT })).trim();
  const found = /go(\d+)\.(\d+)(?:\.(\d+))?/.exec(version);
  const [maj, min, pat] = DAPR_PINS.minGo.split('.').map(Number);
  const have = found ? [Number(found[1]), Number(found[2]), Number(found[3] ?? 0)] : [0, 0, 0];
  const tooOld = have[0] < maj || (have[0] === maj && (have[1] < min || (have[1] === min && have[2] < pat)));
  if (tooOld && process.env.GOTOOLCHAIN !== 'auto') {
    throw new SetupError(`${version}: Dapr ${DAPR_PINS.dapr} needs Go ${DAPR_PINS.minGo} or newer`, {
      hint: `${GO_HINT}; or set GOTOOLCHAIN=auto to let Go fetch a newer toolchain`,
    });
  }
  info(version);
  return { bin, version };
}

function buildHint() {
  return (
    `the Go build of ${path.relative(ROOT, SOURCE_DIR)} failed (output above). It needs the Go module proxy ` +
    '(GOPROXY) for the first build; if you changed dapr/daprd, run `go mod tidy` there. ' +
    'Or set ORDERFLOW_USE_SYSTEM_DAPR=1 to use a Dapr installed with `dapr init`'
  );
}

async function installCli(go) {
  // GOBIN must be absolute and go install names the binary after the module
  // ("cli"): install into a scratch folder, then move it into place.
  const gobin = path.join(RUNTIME_PATH, 'cli-build');
  fs.rmSync(gobin, { recursive: true, force: true });
  fs.mkdirSync(gobin, { recursive: true });
  try {
    await run(go.bin, ['install', '-trimpath', '-ldflags', CLI_LDFLAGS, `github.com/dapr/cli@${DAPR_PINS.cli}`], {
      cwd: os.tmpdir(), // module mode: must not see our package.json folders as a Go module
      env: { ...GO_ENV, GOBIN: gobin },
      hint: 'the Dapr CLI is needed only for `dapr run -f`; see the hint below',
    });
    await buildInto(CLI, async (out) => fs.renameSync(path.join(gobin, 'cli'), out));
  } finally {
    fs.rmSync(gobin, { recursive: true, force: true });
  }
}

/** Builds to a temporary name and renames, so running sidecars never see a half-written binary. */
async function buildInto(target, build) {
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const tmp = `${target}.tmp-${process.pid}`;
  fs.rmSync(tmp, { force: true });
  try {
    await build(tmp);
    fs.renameSync(tmp, target);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/** Hash of everything daprd is built from: go.mod, go.sum, *.go, `go version`, the ldflags. */
function hashInputs(goVersion) {
  const h = createHash('sha256');
  const files = fs
    .readdirSync(SOURCE_DIR)
    .filter((name) => name === 'go.mod' || name === 'go.sum' || name.endsWith('.go'))
    .sort();
  for (const name of files) {
    h.update(`${name}\0`);
    h.update(fs.readFileSync(path.join(SOURCE_DIR, name)));
    h.update('\0');
  }
  h.update(goVersion);
  h.update(DAPRD_LDFLAGS);
  return h.digest('hex');
}

/** Hash of what Sentry is built from: the module files (not our *.go), `go version`, the ldflags. */
function hashSentryInputs(goVersion) {
  const h = createHash('sha256');
  for (const name of ['go.mod', 'go.sum']) {
    h.update(`${name}\0`);
    h.update(fs.readFileSync(path.join(SOURCE_DIR, name)));
    h.update('\0');
  }
  h.update(goVersion);
  h.update(SENTRY_PACKAGE);
  h.update(DAPRD_LDFLAGS);
  return h.digest('hex');
}

function hash(text) {
  return createHash('sha256').update(text).digest('hex');
}

function checkGoModMatchesPins() {
  const gomod = fs.readFileSync(path.join(SOURCE_DIR, 'go.mod'), 'utf8');
  for (const [module, pinned] of [
    ['github.com/dapr/dapr', DAPR_PINS.dapr],
    ['github.com/dapr/components-contrib', DAPR_PINS.componentsContrib],
    ['github.com/dapr/kit', DAPR_PINS.kit],
  ]) {
    const found = new RegExp(`^\\s*${module.replaceAll('.', '\\.')}\\s+(\\S+)`, 'm').exec(gomod)?.[1];
    if (found !== pinned) {
      throw new SetupError(`dapr/daprd/go.mod requires ${module} ${found ?? '(nothing)'}, but DAPR_PINS says ${pinned}`, {
        hint: 'update DAPR_PINS (and daprCommit) in tools/devstack/pieces/dapr-toolchain.mjs together with go.mod',
      });
    }
  }
}




/**
 * `go test` of our daprd module (dapr/daprd/*_test.go: what we added to the
 * runtime). Returns { passed, failed, skipped } counted from `go test -json`.
 * A package that does not build counts as one failure.
 * With a C compiler on PATH the tests run under the race detector (it needs cgo;
 * its first build of the runtime's packages takes minutes, later ones are cached).
 */
export async function goTests() {
  const go = findOnPath('go');
  if (!go) return { passed: 0, failed: 1, skipped: 0, note: 'Go is not installed: the daprd module tests did not run' };
  const race = Boolean(findOnPath('gcc') ?? findOnPath('cc'));
  if (!race) process.stdout.write('  go: no C compiler (gcc or cc) on PATH: the tests run without -race\n');
  const result = spawnSync(go, ['test', '-count=1', '-json', ...(race ? ['-race'] : []), '.'], {
    cwd: SOURCE_DIR,
    env: { ...process.env, ...GO_ENV, ...(race ? { CGO_ENABLED: '1' } : {}) },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const output = `${result.stdout ?? ''}\n${result.stderr ?? ''}`;
  const counts = { passed: 0, failed: 0, skipped: 0 };
  let sawTest = false;
  for (const line of output.split('\n')) {
    if (!line.startsWith('{')) continue;
    let event;
    try {
      event = JSON.parse(line);
    } catch (error) {
      // go test -json mixes in lines of the build's own output that start with "{": not events.
      if (error instanceof SyntaxError) continue;
      throw error;
    }
    if (!event.Test) continue;
    if (event.Action === 'run') sawTest = true;
    if (event.Action === 'pass') counts.passed += 1;
    if (event.Action === 'fail') counts.failed += 1;
    if (event.Action === 'skip') counts.skipped += 1;
    if (event.Action === 'fail' || (event.Action === 'pass' && process.env.CI)) process.stdout.write(`  go: ${event.Action} ${event.Test}\n`);
  }
  if (!sawTest && counts.failed === 0) {
    process.stdout.write(`${output.trim().split('\n').slice(-20).join('\n')}\n`);
    counts.failed = 1;
  }
  return counts;
}

/**
 * The piece (tools/devstack/lib/piece.mjs): daprd, Sentry and the Dapr CLI, built
 * from dapr/daprd. A tool: each app's sidecar is started beside it (lib/apps.mjs).
 */
export const piece = definePiece({
  name: 'daprd',
  kind: 'tool',
  async detect() {
    const system = process.env.ORDERFLOW_USE_SYSTEM_DAPR === '1';
    const daprd = daprdInUse();
    return { installed: isExecutable(daprd), running: false, where: system ? daprd : path.relative(ROOT, daprd), version: DAPR_PINS.dapr, note: system ? 'ORDERFLOW_USE_SYSTEM_DAPR=1' : 'built from dapr/daprd' };
  },
  install: ensureDaprToolchain,
  start: ensureDaprToolchain,
  async health() {
    return toolRuns(daprdInUse());
  },
  // The sidecars stop with their apps (lib/processes.mjs stopAll).
  stop: async () => undefined,
});
