import { commonEnv, loadConfig, positiveInt } from '@orderflow/service-kit';
import { z } from 'zod';

export const configShape = {
  ...commonEnv({
    appPort: 3003,
    daprHttpPort: 3503,
    // Development default only: the local cluster's dev password (scripts/lib/postgres.mjs).
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
  /** A delivery found mid-send longer than this (a crashed replica) may be taken over. */
  SEND_CLAIM_TIMEOUT_MS: positiveInt(60_000),
};

export type NotificationServiceConfig = ReturnType<typeof loadNotificationServiceConfig>;

export function loadNotificationServiceConfig(env: NodeJS.ProcessEnv = process.env) {
  return loadConfig(configShape, env);
}
