import os from 'node:os';
import { commonEnv, configError, loadConfig, positiveInt, type ConfigProblem } from '@orderflow/service-kit';
import { z } from 'zod';

const configShape = {
  ...commonEnv({
    appPort: 3003,
    daprHttpPort: 3503,
    // Development default only: the local cluster's dev password (tools/devstack/pieces/postgres.mjs).
    databaseUrl: 'postgres://notifications_service:notifications-dev-password@127.0.0.1:5432/orderflow_notifications',
  }),
  /** The Dapr SMTP output binding (components/email-binding.yaml). */
  EMAIL_BINDING_NAME: z.string().default('email'),
  /**
   * E-mails handed to the sidecar's SMTP binding at once. 1 is the only safe
   * value beside Dapr's stock binding (it can swap recipients between
   * concurrent sends); orderflow's own daprd build (dapr/daprd) is safe at any.
   */
  EMAIL_MAX_CONCURRENT_SENDS: positiveInt(1),
  /** The sender of confirmation e-mails. */
  EMAIL_FROM: z.email().default('orderflow@example.com'),
  /**
   * How long after its claim a send may still hand the SMTP server the complete
   * message; after that the sidecar abandons it unsent. Room for a slow server:
   * RFC 5321 allows minutes per step.
   */
  EMAIL_SEND_WINDOW_MS: positiveInt(180_000),
  /**
   * How long a claim holds an e-mail without renewal (renewed every quarter of
   * it while the send runs). Longer than EMAIL_SEND_WINDOW_MS: a row is taken
   * over only once its holder's send can no longer reach the server.
   */
  EMAIL_SEND_LEASE_MS: positiveInt(210_000),
  /** Backoff after a failed attempt: doubling from the first value, at most the second. */
  EMAIL_RETRY_BASE_MS: positiveInt(5_000),
  EMAIL_RETRY_MAX_MS: positiveInt(300_000),
  /**
   * This worker's name: rows it held under an earlier process (one that died)
   * are taken over at once on start. Must be unique per running instance and
   * stable across its restarts: the pod name in Kubernetes (HOSTNAME), and
   * host:port locally.
   */
  WORKER_ID: z.string().min(1).max(200).optional(),
};

export function loadNotificationServiceConfig(env: NodeJS.ProcessEnv = process.env) {
  const config = loadConfig(configShape, env);
  const problems: ConfigProblem[] = [];
  if (config.EMAIL_SEND_LEASE_MS < config.EMAIL_SEND_WINDOW_MS + 10_000) {
    problems.push({
      variable: 'EMAIL_SEND_LEASE_MS',
      problem:
        `must be at least EMAIL_SEND_WINDOW_MS + 10000 (${config.EMAIL_SEND_WINDOW_MS + 10_000}), not ${config.EMAIL_SEND_LEASE_MS}: ` +
        "a lease must outlast its holder's send",
    });
  }
  if (config.EMAIL_RETRY_MAX_MS < config.EMAIL_RETRY_BASE_MS) {
    problems.push({ variable: 'EMAIL_RETRY_MAX_MS', problem: `must not be below EMAIL_RETRY_BASE_MS (${config.EMAIL_RETRY_BASE_MS})` });
  }
  if (problems.length > 0) throw configError(problems);
  return { ...config, WORKER_ID: config.WORKER_ID ?? `${os.hostname()}:${config.APP_PORT}` };
}
