// A local trace backend: the Zipkin server (one executable jar from Maven
// Central), in-memory storage, on 127.0.0.1 only. The sidecars export their
// spans to it (dapr/config.yaml, ORDERFLOW_ZIPKIN_ENDPOINT); its UI and API
// show an order's whole trace.
import fs from 'node:fs';
import path from 'node:path';
import { LOCAL, ROOT, settings } from '../lib/settings.mjs';
import { findProcess, startProcess } from '../lib/processes.mjs';
import { info, run, SetupError, waitFor } from '../lib/step.mjs';
import { httpAnswers } from '../lib/local-files.mjs';
import { installHint } from '../install-hints.mjs';
import { definePiece, healthy, notHealthy } from '../lib/piece.mjs';

export const ZIPKIN_VERSION = '3.5.1';
const ARTIFACT = `io.zipkin:zipkin-server:${ZIPKIN_VERSION}:jar:exec`;
// Copied into .local by Maven: its own local repository is wherever Java's user.home
// says (not necessarily $HOME), so we never look for the jar there.
const JAR_DIR = path.join(LOCAL, 'zipkin');
const JAR = path.join(JAR_DIR, `zipkin-server-${ZIPKIN_VERSION}-exec.jar`);

export const zipkinUrl = `http://127.0.0.1:${settings.zipkin.port}`;
/** Where the sidecars send spans (Zipkin's v2 JSON API). */
export const zipkinSpansEndpoint = `${zipkinUrl}/api/v2/spans`;

/** Fetches the Zipkin server jar into the local Maven repository (first run only). */
export async function ensureZipkin() {
  if (fs.existsSync(JAR)) return JAR;
  info(`fetching the Zipkin ${ZIPKIN_VERSION} server jar from Maven Central (first run only)`);
  await run('mvn', ['-q', 'org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy', `-Dartifact=${ARTIFACT}`, `-DoutputDirectory=${JAR_DIR}`], {
    hint: `${installHint('maven')}; Maven Central must be reachable`,
  });
  if (!fs.existsSync(JAR)) throw new SetupError(`Maven reported success but ${JAR} is missing`);
  return JAR;
}

const answers = () => httpAnswers(`${zipkinUrl}/health`, { timeoutMs: 1_000 });

/** Starts Zipkin unless one already answers on the port (then it is reused and null is returned). */
export async function startZipkin() {
  if (await answers()) {
    info(`reusing the Zipkin already running at ${zipkinUrl}`);
    return null;
  }
  const jar = await ensureZipkin();
  const { port } = settings.zipkin;
  const handle = startProcess({
    name: 'zipkin',
    command: 'java',
    args: [
      '-Xms64m',
      '-Xmx256m',
      '-XX:+UseSerialGC',
      '-XX:TieredStopAtLevel=1', // starts in seconds; a trace store for one machine needs no C2
      '-jar',
      jar,
      `--armeria.ports[0].ip=127.0.0.1`,
      `--armeria.ports[0].port=${port}`,
      '--armeria.ports[0].protocols[0]=http',
    ],
    // In memory, the newest 50 000 spans (some thousands of orders' traces): Zipkin's
    // default of 500 000 outgrows this 256 MB heap under `npm run bench`, and a
    // Zipkin short of heap failed span uploads and held the sidecars' shutdown.
    env: { QUERY_PORT: String(port), STORAGE_TYPE: 'mem', MEM_MAX_SPANS: '50000' },
    // Its traces live in memory only, so there is nothing to save on the way
    // out, and after SIGTERM it can hang until killed: `npm start` spent 15 s
    // on every Ctrl-C waiting for it. 3 s, then SIGKILL.
    stopTimeoutMs: 3_000,
  });
  const hint = `read ${handle.logFile}; set ZIPKIN_PORT if ${port} is taken`;
  await waitFor(`Zipkin at ${zipkinUrl}`, async () => {
    handle.assertAlive(hint);
    return answers();
  }, { timeoutMs: 60_000, intervalMs: 250, hint });
  return handle;
}

/** The piece (tools/devstack/lib/piece.mjs): Zipkin on ZIPKIN_PORT. */
export const piece = definePiece({
  name: 'zipkin',
  kind: 'server',
  async detect() {
    const running = await answers();
    return { installed: fs.existsSync(JAR), running, where: running ? zipkinUrl : path.relative(ROOT, JAR), version: ZIPKIN_VERSION };
  },
  install: ensureZipkin,
  start: startZipkin,
  async health() {
    return (await answers()) ? healthy(`${zipkinUrl}/health answers`) : notHealthy(`nothing answers at ${zipkinUrl}/health`);
  },
  stop: async () => findProcess('zipkin')?.stop(),
});
