// Reads a topic straight from the Kafka broker (kafkajs): what really went
// through Kafka, not what a sidecar says it sent.
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { kafkaBrokers } from './stack';

export interface TopicMessage {
  partition: number;
  offset: string;
  key: string | null;
  headers: Record<string, string>;
  value: any;
}

const kafka = new Kafka({ clientId: 'orderflow-e2e', brokers: kafkaBrokers, logLevel: logLevel.NOTHING });

/** Every message on `topic` up to its current end, parsed as JSON where possible. */
export async function readWholeTopic(topic: string): Promise<TopicMessage[]> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const remaining = new Map(ends.filter((p) => Number(p.high) > Number(p.low)).map((p) => [p.partition, Number(p.high)]));
  const messages: TopicMessage[] = [];
  if (remaining.size === 0) return messages;

  const consumer = kafka.consumer({ groupId: `e2e-reader-${randomUUID()}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`reading ${topic} did not reach its end in 20 s`)), 20_000);
    consumer
      .run({
        eachMessage: async ({ partition, message }) => {
          const text = message.value?.toString('utf8') ?? '';
          let value: unknown = text;
          try {
            value = JSON.parse(text);
          } catch {
            /* keep the text */
          }
          const headers: Record<string, string> = {};
          for (const [name, header] of Object.entries(message.headers ?? {})) headers[name] = String(header);
          messages.push({ partition, offset: message.offset, key: message.key?.toString('utf8') ?? null, headers, value });
          const end = remaining.get(partition);
          if (end !== undefined && Number(message.offset) + 1 >= end) remaining.delete(partition);
          if (remaining.size === 0) {
            clearTimeout(timer);
            resolve();
          }
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
  return messages;
}
