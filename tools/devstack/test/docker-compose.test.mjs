// The Docker alternative (docker-compose.yaml) stays in step with the dev platform:
// its images at our pins, its ports at the launcher's defaults and moved by the
// same variables, its topics ours, and every variable the README tells you to set
// one the launcher reads (or one the compose file itself asks for).
// Docker is not on the machines this runs on: the file is checked, never started.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { TOPICS, kafkaVersion } from '../pieces/kafka.mjs';
import { POSTGRES_MAJOR } from '../pieces/postgres.mjs';
import { ZIPKIN_VERSION } from '../pieces/zipkin.mjs';

const DEVSTACK = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ROOT = path.resolve(DEVSTACK, '../..');
const COMPOSE_TEXT = fs.readFileSync(path.join(DEVSTACK, 'docker-compose.yaml'), 'utf8');
const compose = YAML.parse(COMPOSE_TEXT);
const SETTINGS_TEXT = fs.readFileSync(path.join(DEVSTACK, 'lib', 'settings.mjs'), 'utf8');
/** Variables the compose file asks for that the launcher does not read: the SMTP login MailDev must accept. */
const COMPOSE_ONLY = ['ORDERFLOW_SMTP_USER', 'ORDERFLOW_SMTP_PASSWORD'];

/** The launcher's port defaults, as lib/settings.mjs writes them: port('PG_PORT', 5432). */
const portDefaults = () => Object.fromEntries([...SETTINGS_TEXT.matchAll(/port\('(\w+)', (\d+)\)/g)].map((m) => [m[1], Number(m[2])]));
/** Every variable lib/settings.mjs reads. */
const settingsVariables = () => new Set([...SETTINGS_TEXT.matchAll(/(?:env\.|\(')([A-Z][A-Z0-9_]+)/g)].map((m) => m[1]));
const imageTag = (service) => compose.services[service].image.split(':')[1];

/** The published ports of a service as [variable, default, container port]. */
function published(service) {
  return compose.services[service].ports.map((entry) => {
    const match = /^127\.0\.0\.1:\$\{(\w+):-(\d+)\}:(\d+)$/.exec(entry);
    assert.ok(match, `${service} publishes ${entry}: expected 127.0.0.1:\${VARIABLE:-default}:port`);
    return [match[1], Number(match[2]), Number(match[3])];
  });
}

/** The Markdown section of the README that starts at `heading`. */
function readmeSection(heading) {
  const readme = fs.readFileSync(path.join(DEVSTACK, 'README.md'), 'utf8');
  const start = readme.indexOf(`## ${heading}`);
  assert.ok(start >= 0, `README.md has no "## ${heading}"`);
  const next = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, next < 0 ? undefined : next);
}

describe('the Docker alternative (docker-compose.yaml)', () => {
  it('runs the versions the dev platform pins: PostgreSQL POSTGRES_MAJOR, Kafka of pom.xml, MailDev of package-lock.json, Zipkin ZIPKIN_VERSION', () => {
    assert.match(imageTag('postgres'), new RegExp(`^${POSTGRES_MAJOR}(-|$)`));
    assert.equal(imageTag('kafka'), kafkaVersion());
    assert.equal(imageTag('kafka-topics'), kafkaVersion());
    const lock = JSON.parse(fs.readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8'));
    assert.equal(imageTag('maildev'), lock.packages['node_modules/maildev'].version);
    assert.equal(imageTag('zipkin'), ZIPKIN_VERSION);
  });

  it('publishes each port on 127.0.0.1 under the launcher\'s variable and default', () => {
    const defaults = portDefaults();
    const expected = { postgres: ['PG_PORT'], kafka: ['KAFKA_PORT'], maildev: ['SMTP_PORT', 'MAILDEV_WEB_PORT'], zipkin: ['ZIPKIN_PORT'] };
    for (const [service, variables] of Object.entries(expected)) {
      const ports = published(service);
      assert.deepEqual(ports.map(([variable]) => variable), variables, service);
      for (const [variable, fallback] of ports) assert.equal(fallback, defaults[variable], `${service}: \${${variable}:-${fallback}} but lib/settings.mjs says ${defaults[variable]}`);
    }
    // Kafka tells clients on this machine to come back at 127.0.0.1 on the same port.
    assert.match(compose.services.kafka.environment.KAFKA_ADVERTISED_LISTENERS, /PLAINTEXT:\/\/127\.0\.0\.1:\$\{KAFKA_PORT:-9092\}/);
  });

  it('makes our topics with our partition counts, and Kafka never makes one on first use', () => {
    const script = compose.services['kafka-topics'].command.join(' ');
    const made = [...script.matchAll(/--topic (\S+) --partitions (\d+)/g)].map((m) => ({ topic: m[1], numPartitions: Number(m[2]) }));
    assert.deepEqual(made, TOPICS.map(({ topic, numPartitions }) => ({ topic, numPartitions })));
    assert.equal(compose.services.kafka.environment.KAFKA_AUTO_CREATE_TOPICS_ENABLE, 'false');
  });

  it('asks only for variables the launcher reads, and the README names only those (and the SMTP login it tells you to export)', () => {
    const known = settingsVariables();
    const asked = [...COMPOSE_TEXT.matchAll(/\$\{(\w+)/g)].map((m) => m[1]);
    assert.deepEqual(asked.filter((name) => !known.has(name) && !COMPOSE_ONLY.includes(name)), []);
    const section = readmeSection('The Docker alternative');
    const mentioned = [...section.matchAll(/\b([A-Z][A-Z0-9]*_[A-Z0-9_]+)\b/g)].map((m) => m[1]);
    assert.ok(mentioned.includes('PG_ADMIN_USER') && mentioned.includes('PG_ADMIN_PASSWORD'), 'the README says how npm start uses the PostgreSQL container');
    const unknown = [...new Set(mentioned)].filter((name) => !known.has(name) && !COMPOSE_ONLY.includes(name) && name !== 'POSTGRES_MAJOR' && name !== 'ZIPKIN_VERSION');
    assert.deepEqual(unknown, [], 'the README names variables lib/settings.mjs does not read');
    for (const name of COMPOSE_ONLY) assert.ok(section.includes(`export ${name}=`), `the README tells you to export ${name}`);
    // The password the README passes as PG_ADMIN_PASSWORD is the container's.
    assert.ok(section.includes(`PG_ADMIN_PASSWORD=${compose.services.postgres.environment.POSTGRES_PASSWORD}`));
    assert.ok(section.includes(`PG_ADMIN_USER=${compose.services.postgres.environment.POSTGRES_USER}`));
  });

  it('requires no variable (no ${NAME:?...}), so `docker compose down` works in a fresh shell', () => {
    assert.deepEqual([...COMPOSE_TEXT.matchAll(/\$\{(\w+):?\?/g)].map((m) => m[1]), []);
  });
});
