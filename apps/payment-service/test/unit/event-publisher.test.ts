// The relay's wait for one publish against the sidecar's own policy for it.
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { PUBLISH_DEADLINE_MS } from '../../src/sidecar/event-publisher';

interface Resiliency {
  spec: {
    policies: {
      timeouts: Record<string, string>;
      retries: Record<string, { policy: string; duration?: string; maxInterval?: string; maxRetries: number }>;
    };
    targets: { components: Record<string, { outbound?: { timeout?: string; retry?: string } }> };
  };
}

const milliseconds = (duration: string): number => {
  const match = /^(\d+)(ms|s|m)$/.exec(duration);
  if (!match) throw new Error(`not a duration this test reads: ${duration}`);
  return Number(match[1]) * { ms: 1, s: 1_000, m: 60_000 }[match[2] as 'ms' | 's' | 'm'];
};

describe('the wait for one publish', () => {
  it("outlasts the sidecar's worst case for it (every attempt timing out, every backoff at its longest), so no publish the relay gave up on is still being retried", () => {
    const resiliency = YAML.parse(fs.readFileSync(path.resolve(__dirname, '../../../../dapr/resiliency.yaml'), 'utf8')) as Resiliency;
    const outbound = resiliency.spec.targets.components['kafka-pubsub']?.outbound;
    const attempt = milliseconds(resiliency.spec.policies.timeouts[outbound!.timeout!]!);
    const retry = resiliency.spec.policies.retries[outbound!.retry!]!;
    const longestBackoff = milliseconds(retry.maxInterval ?? retry.duration!);
    const worstCase = (retry.maxRetries + 1) * attempt + retry.maxRetries * longestBackoff;
    expect(PUBLISH_DEADLINE_MS).toBeGreaterThan(worstCase);
  });
});
