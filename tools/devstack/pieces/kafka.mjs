// A local Apache Kafka broker: single node, KRaft (broker and controller in one
// JVM), listening on 127.0.0.1 only. No download site, no Docker: the broker's
// jars come from Maven Central through `mvn` (tools/devstack/pieces/kafka/pom.xml pins the
// versions) and run on the machine's Java 17+.
//
//   .local/kafka/<version>/libs/   the jars (a stamp marks a complete copy)
//   .local/kafka/server.properties generated on every start from settings
//   .local/kafka/data/             topics and the KRaft metadata log (kept across runs)
//   .local/kafka/logs/server.log   the broker's INFO log (WARN and up also in .local/logs/kafka.log)
//
// Topics are never auto-created (auto.create.topics.enable=false): a publish to a
// misspelt topic fails loudly instead of quietly creating a one-partition topic.
// Every topic the apps use must be listed in TOPICS below; createTopics() makes them.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { LOCAL, ROOT, settings } from '../lib/settings.mjs';
import { findProcess, startProcess } from '../lib/processes.mjs';
import { info, run, SetupError, waitFor } from '../lib/step.mjs';
import { tcpAnswers } from '../lib/local-files.mjs';
import { installHint } from '../install-hints.mjs';
import { definePiece, healthy, notHealthy } from '../lib/piece.mjs';
import { isMissing, reportAndGoOn } from '../lib/errors.mjs';

const POM = path.join(ROOT, 'tools/devstack/pieces/kafka/pom.xml');
const LOG4J_CONFIG = path.join(ROOT, 'tools/devstack/pieces/kafka/log4j2.properties');
const KAFKA_HOME = path.join(LOCAL, 'kafka');
// `npm test` runs its broker on a throw-away copy (ORDERFLOW_KAFKA_DATA=test-data,
// emptied at each run) so that what one run left on the topics never reaches the next.
const dataDir = () => path.join(KAFKA_HOME, process.env.ORDERFLOW_KAFKA_DATA || 'data');
const LOG_DIR = path.join(KAFKA_HOME, 'logs');
const PROPERTIES_FILE = path.join(KAFKA_HOME, 'server.properties');

/** The broker's bootstrap address, for the apps' tests and the Dapr component. */
export const brokers = [`127.0.0.1:${settings.kafka.port}`];

/** Every topic the system uses; createTopics() creates the missing ones. */
export const TOPICS = [
  { topic: 'payment-topic', numPartitions: 24 },
  { topic: 'payment-topic-dlq', numPartitions: 6 },
];

const PORT_HINT = 'set KAFKA_PORT (and KAFKA_CONTROLLER_PORT) to free ports, for example KAFKA_PORT=19092 KAFKA_CONTROLLER_PORT=19093';

/** The Kafka version pinned in tools/devstack/pieces/kafka/pom.xml (the one place it is written). */
export function kafkaVersion() {
  const match = fs.readFileSync(POM, 'utf8').match(/<kafka\.version>\s*([^<\s]+)\s*<\/kafka\.version>/);
  if (!match) throw new SetupError(`no <kafka.version> property in ${POM}`);
  return match[1];
}

const libsDir = (version) => path.join(KAFKA_HOME, version, 'libs');
const stampFile = (version) => path.join(KAFKA_HOME, version, 'libs.stamp');

async function checkJava() {
  const hint = installHint('java', { version: '17' });
  let output;
  try {
    output = await run('java', ['-version'], { hint });
  } catch (error) {
    throw new SetupError(`Kafka needs Java 17 or newer, and \`java -version\` failed: ${error.message.split('\n')[0]}`, { hint });
  }
  const match = output.match(/version "(\d+)(?:\.(\d+))?/);
  const major = match ? (match[1] === '1' ? Number(match[2]) : Number(match[1])) : NaN;
  if (!(major >= 17)) {
    throw new SetupError(`Kafka 4 needs Java 17 or newer; \`java -version\` says: ${output.trim().split('\n')[0]}`, { hint });
  }
  return major;
}

async function checkMaven() {
  const hint = installHint('maven');
  try {
    await run('mvn', ['-v'], { hint });
  } catch (error) {
    throw new SetupError(`Kafka's jars are fetched with Maven, and \`mvn -v\` failed: ${error.message.split('\n')[0]}`, { hint });
  }
}

/** Whether `dir` holds the broker's own jar (kafka_2.13-<version>.jar); throws as readdirSync does when `dir` is missing. */
function hasBrokerJar(dir) {
  return fs.readdirSync(dir).some((f) => f.startsWith('kafka_2.13-'));
}

/**
 * Fetches the broker's jars into .local/kafka/<version>/libs unless a complete
 * copy for the pinned POM is already there. Returns the libs directory.
 */
export async function ensureKafka() {
  await checkJava();
  const version = kafkaVersion();
  const libs = libsDir(version);
  const pomHash = crypto.createHash('sha256').update(fs.readFileSync(POM)).digest('hex');
  try {
    if (fs.readFileSync(stampFile(version), 'utf8').trim() === pomHash && hasBrokerJar(libs)) {
      info(`Kafka ${version} jars already in ${path.relative(ROOT, libs)}`);
      return libs;
    }
  } catch (error) {
    if (!isMissing(error)) throw error;
  }
  await checkMaven();
  info(`fetching Apache Kafka ${version} jars from Maven Central (first run only)`);
  const staging = `${libs}.partial`;
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(libs), { recursive: true });
  await run(
    'mvn',
    ['-B', '-q', '-f', POM, 'dependency:copy-dependencies', '-DincludeScope=runtime', `-DoutputDirectory=${staging}`],
    { hint: 'Maven Central must be reachable (or the jars already in ~/.m2); a proxy goes in ~/.m2/settings.xml' },
  );
  if (!fs.existsSync(staging) || !hasBrokerJar(staging)) {
    throw new SetupError(`mvn finished but left no kafka_2.13 jar in ${staging}`);
  }
  fs.rmSync(libs, { recursive: true, force: true });
  fs.renameSync(staging, libs);
  fs.writeFileSync(stampFile(version), `${pomHash}\n`);
  info(`Kafka ${version}: ${fs.readdirSync(libs).length} jars in ${path.relative(ROOT, libs)}`);
  return libs;
}

/**
 * `clusterListener` ({ port, advertised: 'host:port' }): a second client listener
 * on 127.0.0.1:port that tells its clients to come back at `advertised`: the
 * address the local Kubernetes cluster's pods reach this broker at
 * (tools/devstack/k8s/infrastructure.mjs). Clients on this machine keep using `port`.
 */
function serverProperties({ clusterListener } = {}) {
  const { port, controllerPort } = settings.kafka;
  const cluster = clusterListener
    ? { listener: `,CLUSTER://127.0.0.1:${clusterListener.port}`, advertised: `,CLUSTER://${clusterListener.advertised}`, protocol: ',CLUSTER:PLAINTEXT' }
    : { listener: '', advertised: '', protocol: '' };
  return `# Generated by tools/devstack/pieces/kafka.mjs on every start; edit that file, not this one.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:${controllerPort}
listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}${cluster.listener}
advertised.listeners=PLAINTEXT://127.0.0.1:${port}${cluster.advertised}
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT${cluster.protocol}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
log.dirs=${dataDir()}

# One node: every replication factor is 1.
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1

# Topics are created by tools/devstack/pieces/kafka.mjs createTopics(), never on first use.
auto.create.topics.enable=false
num.partitions=6
# A consumer group starts consuming at once instead of waiting 3s for more members.
group.initial.rebalance.delay.ms=0
`;
}

/** Asks whatever listens on the Kafka port for the cluster's metadata; throws if it is not a Kafka broker. */
async function describeCluster({ timeoutMs = 3000 } = {}) {
  const { Kafka, logLevel } = await loadKafkajs();
  const kafka = new Kafka({
    clientId: 'orderflow-scripts',
    brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: Math.min(timeoutMs, 1000),
    requestTimeout: timeoutMs,
    retry: { retries: 0 },
  });
  const admin = kafka.admin();
  const timeout = new Promise((_, reject) => {
    setTimeout(() => reject(new Error(`no Kafka answer within ${timeoutMs}ms`)), timeoutMs + 500).unref();
  });
  try {
    return await Promise.race([
      (async () => {
        await admin.connect();
        return admin.describeCluster();
      })(),
      timeout,
    ]);
  } finally {
    await admin.disconnect().catch(reportAndGoOn('disconnecting the Kafka admin client'));
  }
}

export async function loadKafkajs() {
  try {
    const module = await import('kafkajs');
    return module.default ?? module;
  } catch (error) {
    throw new SetupError(`the npm package kafkajs is missing (${error.message.split('\n')[0]})`, {
      hint: 'run `npm ci` in the repository root',
    });
  }
}


function ourClusterId() {
  try {
    return fs.readFileSync(path.join(dataDir(), 'meta.properties'), 'utf8').match(/^cluster\.id=(.+)$/m)?.[1].trim();
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
}

/**
 * Starts the broker (formatting .local/kafka/data on first use) and waits until it
 * answers metadata requests. Returns the process handle, or null when a Kafka broker
 * already answers on the port (an earlier `npm start` still running): it is reused.
 */
export async function startKafka({ clusterListener } = {}) {
  const { port, controllerPort } = settings.kafka;

  if (await tcpAnswers(port)) {
    if (clusterListener) {
      throw new SetupError(`a Kafka broker already answers on 127.0.0.1:${port}, without the listener the local cluster's pods need`, {
        hint: 'stop the running stack (npm start, or another npm test) first',
      });
    }
    let cluster;
    try {
      cluster = await describeCluster();
    } catch (error) {
      throw new SetupError(`port ${port} is taken by something that does not answer as a Kafka broker (${error.message})`, {
        hint: `stop whatever listens on 127.0.0.1:${port} (\`ss -ltnp 'sport = :${port}'\` shows it), or ${PORT_HINT}`,
      });
    }
    const ours = ourClusterId();
    const note = ours && cluster.clusterId !== ours ? ` (cluster ${cluster.clusterId}, not the one in ${path.relative(ROOT, dataDir())})` : '';
    info(`a Kafka broker already answers on 127.0.0.1:${port}${note}; using it`);
    return null;
  }
  if (await tcpAnswers(controllerPort)) {
    throw new SetupError(`the Kafka controller port ${controllerPort} is taken by another program`, {
      hint: `stop whatever listens on 127.0.0.1:${controllerPort}, or ${PORT_HINT}`,
    });
  }

  const libs = await ensureKafka();
  const classpath = path.join(libs, '*');
  fs.mkdirSync(dataDir(), { recursive: true });
  fs.mkdirSync(LOG_DIR, { recursive: true });
  fs.writeFileSync(PROPERTIES_FILE, serverProperties({ clusterListener }));
  const jvmFlags = [
    `-Dlog4j2.configurationFile=${LOG4J_CONFIG}`,
    `-Dkafka.logs.dir=${LOG_DIR}`,
    '-Djava.awt.headless=true',
  ];

  if (!fs.existsSync(path.join(dataDir(), 'meta.properties'))) {
    const uuidOutput = await run('java', [...jvmFlags, '-cp', classpath, 'kafka.tools.StorageTool', 'random-uuid']);
    const clusterId = uuidOutput.split('\n').map((line) => line.trim()).find((line) => /^[A-Za-z0-9_-]{22}$/.test(line));
    if (!clusterId) throw new SetupError(`kafka.tools.StorageTool random-uuid printed no cluster id:\n${uuidOutput.trim()}`);
    await run('java', [...jvmFlags, '-cp', classpath, 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', PROPERTIES_FILE, '--ignore-formatted'], {
      hint: `delete ${path.relative(ROOT, dataDir())} to start from an empty broker`,
    });
    info(`formatted ${path.relative(ROOT, dataDir())} (cluster ${clusterId})`);
  }

  const handle = startProcess({
    name: 'kafka',
    command: 'java',
    args: [
      '-Xms64m',
      '-Xmx512m',
      '-XX:+UseG1GC',
      '-XX:MaxGCPauseMillis=20',
      '-XX:InitiatingHeapOccupancyPercent=35',
      '-XX:+ExplicitGCInvokesConcurrent',
      ...jvmFlags,
      '-cp',
      classpath,
      'kafka.Kafka',
      PROPERTIES_FILE,
    ],
    cwd: KAFKA_HOME,
    stopTimeoutMs: 30_000,
  });
  const hint = `read ${path.relative(ROOT, handle.logFile)} and ${path.relative(ROOT, path.join(LOG_DIR, 'server.log'))}; if the data is damaged, stop everything and delete ${path.relative(ROOT, dataDir())}`;
  try {
    await waitFor(
      `Kafka on 127.0.0.1:${port}`,
      // An open port is not enough: ready means the broker answers metadata requests
      // with itself registered and a controller elected. A dead broker ends the wait too.
      async () => {
        if (!handle.alive) return true;
        const cluster = await describeCluster({ timeoutMs: 2000 });
        return cluster.brokers.length > 0 && cluster.controller !== null;
      },
      { timeoutMs: 90_000, intervalMs: 500, hint },
    );
  } catch (error) {
    await handle.stop();
    throw error;
  }
  // If it died, say so with the last lines of its log.
  handle.assertAlive(hint);
  return handle;
}

/**
 * Creates every topic in TOPICS that is missing (replication factor 1) and adds
 * partitions to one that has fewer than listed. Safe to run again.
 */
export async function createTopics() {
  const { Kafka, logLevel } = await loadKafkajs();
  const kafka = new Kafka({ clientId: 'orderflow-scripts', brokers, logLevel: logLevel.NOTHING, retry: { retries: 5 } });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = TOPICS.filter((t) => !existing.has(t.topic));
    if (missing.length > 0) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((t) => ({ topic: t.topic, numPartitions: t.numPartitions, replicationFactor: 1 })),
      });
      info(`created topics ${missing.map((t) => t.topic).join(', ')}`);
    }
    const present = TOPICS.filter((t) => existing.has(t.topic));
    if (present.length > 0) {
      const { topics } = await admin.fetchTopicMetadata({ topics: present.map((t) => t.topic) });
      const grow = present
        .map((t) => ({ topic: t.topic, count: t.numPartitions, now: topics.find((m) => m.name === t.topic)?.partitions.length ?? 0 }))
        .filter((t) => t.now < t.count);
      if (grow.length > 0) {
        await admin.createPartitions({ topicPartitions: grow.map(({ topic, count }) => ({ topic, count })) });
        info(`added partitions to ${grow.map((t) => `${t.topic} (${t.now} -> ${t.count})`).join(', ')}`);
      }
    }
  } catch (error) {
    if (error instanceof SetupError) throw error;
    throw new SetupError(`could not create the Kafka topics: ${error.message}`, {
      hint: `is the broker on ${brokers[0]} running? See .local/logs/kafka.log`,
    });
  } finally {
    await admin.disconnect().catch(reportAndGoOn('disconnecting the Kafka admin client'));
  }
  return TOPICS.map((t) => t.topic);
}

/** Whether a complete copy of the pinned broker's jars is in .local/kafka. */
function jarsInstalled(version) {
  return fs.existsSync(stampFile(version)) && fs.existsSync(libsDir(version)) && hasBrokerJar(libsDir(version));
}

/** The piece (tools/devstack/lib/piece.mjs): the broker on KAFKA_PORT (KRaft controller on KAFKA_CONTROLLER_PORT). */
export const piece = definePiece({
  name: 'kafka',
  kind: 'server',
  async detect() {
    const version = kafkaVersion();
    const running = await tcpAnswers(settings.kafka.port);
    return { installed: jarsInstalled(version), running, where: running ? brokers[0] : path.relative(ROOT, libsDir(version)), version };
  },
  install: ensureKafka,
  start: startKafka,
  async health() {
    if (!(await tcpAnswers(settings.kafka.port))) return notHealthy(`nothing listens on ${brokers[0]}`);
    try {
      const cluster = await describeCluster({ timeoutMs: 2_000 });
      return cluster.brokers.length > 0 && cluster.controller !== null
        ? healthy(`${cluster.brokers.length} broker(s), controller ${cluster.controller} (cluster ${cluster.clusterId})`)
        : notHealthy('the broker answers, but has no controller yet');
    } catch (error) {
      return notHealthy(`${brokers[0]} does not answer as a Kafka broker: ${error.message}`);
    }
  },
  stop: async () => findProcess('kafka')?.stop(),
});
