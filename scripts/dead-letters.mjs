#!/usr/bin/env node
// The operator's view of payment-topic-dlq: events the subscriber could never
// process (malformed ones, or ones it could not record for about an hour while
// its database was away). E-mails that failed are not here: they wait in
// notification-service's table and are retried there (npm run notifications).
//
//   npm run dead-letters                    list them (add --json for machines)
//   npm run dead-letters -- replay --id ID  put one back on payment-topic
//   npm run dead-letters -- replay --all    put back every one not replayed yet
//
// Replaying is safe: notification-service sends at most one e-mail per payment
// (unique by event id and payment id), so an event that was in fact handled is
// acknowledged without a second e-mail. Speaks to Kafka directly (kafkajs): this
// is operations tooling, not a service.
import { brokers, loadKafkajs } from '../tools/devstack/pieces/kafka.mjs';
import { exitWithError, SetupError } from '../tools/devstack/lib/step.mjs';

const DEAD_LETTER_TOPIC = 'payment-topic-dlq';
const SOURCE_TOPIC = 'payment-topic';
/** The consumer group whose committed offsets mark what `replay --all` has put back. */
const REPLAY_GROUP = 'orderflow-dead-letter-replay';

async function connect() {
  const { Kafka, logLevel } = await loadKafkajs();
  return new Kafka({ clientId: 'orderflow-dead-letters', brokers, logLevel: logLevel.NOTHING, retry: { retries: 2 } });
}

/** Every dead letter with its position and whether `replay --all` already put it back. */
async function readDeadLetters(kafka) {
  const admin = kafka.admin();
  await admin.connect();
  let ends;
  let replayedUpTo;
  try {
    ends = await admin.fetchTopicOffsets(DEAD_LETTER_TOPIC);
    const [committed] = await admin.fetchOffsets({ groupId: REPLAY_GROUP, topics: [DEAD_LETTER_TOPIC] });
    replayedUpTo = new Map(committed.partitions.map((p) => [p.partition, Number(p.offset)]));
  } finally {
    await admin.disconnect();
  }
  const remaining = new Map(ends.filter((p) => Number(p.high) > Number(p.low)).map((p) => [p.partition, Number(p.high)]));
  const letters = [];
  if (remaining.size === 0) return letters;

  const consumer = kafka.consumer({ groupId: `orderflow-dead-letters-reader-${process.pid}-${Date.now()}` });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: DEAD_LETTER_TOPIC, fromBeginning: true });
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new SetupError(`reading ${DEAD_LETTER_TOPIC} took longer than 30 s`)), 30_000);
      consumer
        .run({
          autoCommit: false,
          eachMessage: async ({ partition, message }) => {
            let event;
            try {
              event = JSON.parse(message.value?.toString('utf8') ?? '');
            } catch (error) {
              // Not JSON: the letter is shown as it came.
              if (!(error instanceof SyntaxError)) throw error;
              event = undefined;
            }
            letters.push({
              partition,
              offset: message.offset,
              key: message.key?.toString('utf8') ?? null,
              id: event?.id ?? null,
              type: event?.type ?? null,
              subject: event?.subject ?? event?.data?.orderReference ?? null,
              time: new Date(Number(message.timestamp)).toISOString(),
              replayed: Number(message.offset) < (replayedUpTo.get(partition) ?? -1),
              message,
            });
            if (Number(message.offset) + 1 >= remaining.get(partition)) remaining.delete(partition);
            if (remaining.size === 0) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return letters.sort((a, b) => a.partition - b.partition || Number(a.offset) - Number(b.offset));
}

async function replay(kafka, letters) {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    for (const letter of letters) {
      const { key, value, headers } = letter.message;
      await producer.send({ topic: SOURCE_TOPIC, messages: [{ key, value, headers }] });
    }
  } finally {
    await producer.disconnect();
  }
}

async function main() {
  const [command = 'list', ...args] = process.argv.slice(2);
  const kafka = await connect();
  const letters = await readDeadLetters(kafka);
  const view = ({ message: _message, ...rest }) => rest;

  if (command === 'list') {
    if (args.includes('--json')) {
      process.stdout.write(`${JSON.stringify(letters.map(view), null, 2)}\n`);
      return;
    }
    if (letters.length === 0) {
      process.stdout.write(`${DEAD_LETTER_TOPIC} is empty\n`);
      return;
    }
    for (const l of letters) {
      process.stdout.write(`${l.partition}/${l.offset}\t${l.time}\t${l.id}\t${l.type}\t${l.subject ?? ''}\t${l.replayed ? 'replayed' : ''}\n`);
    }
    return;
  }

  if (command === 'replay') {
    const idIndex = args.indexOf('--id');
    if (idIndex >= 0) {
      const id = args[idIndex + 1];
      const chosen = letters.filter((l) => l.id === id);
      if (chosen.length === 0) throw new SetupError(`no dead letter with id ${id}`, { hint: 'list them with `npm run dead-letters`' });
      await replay(kafka, chosen.slice(-1));
      process.stdout.write(`replayed ${id} onto ${SOURCE_TOPIC}\n`);
      return;
    }
    if (args.includes('--all')) {
      const pending = letters.filter((l) => !l.replayed);
      await replay(kafka, pending);
      // Remember how far we got, so the next --all does not put them back again.
      const admin = kafka.admin();
      await admin.connect();
      try {
        const byPartition = new Map();
        for (const l of letters) byPartition.set(l.partition, Math.max(byPartition.get(l.partition) ?? 0, Number(l.offset) + 1));
        await admin.setOffsets({
          groupId: REPLAY_GROUP,
          topic: DEAD_LETTER_TOPIC,
          partitions: [...byPartition].map(([partition, offset]) => ({ partition, offset: String(offset) })),
        });
      } finally {
        await admin.disconnect();
      }
      process.stdout.write(`replayed ${pending.length} dead letter(s) onto ${SOURCE_TOPIC}\n`);
      return;
    }
    throw new SetupError('replay needs --id <event id> or --all');
  }
  throw new SetupError(`unknown command "${command}"`, { hint: 'use list or replay' });
}

main().catch(exitWithError);
