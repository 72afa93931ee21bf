// Every service reads its configuration from the environment once, at start,
// through one zod schema; a bad value stops the process with a message that
// names the variable, instead of failing later on first use.
import { z } from 'zod';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** What is wrong with one variable of the environment. */
export interface ConfigProblem {
  variable: string;
  /** Says what the value must be, e.g. "must be a size such as 65536, 64kb or 1mb". */
  problem: string;
}

/**
 * The one form of a configuration error, whichever service and whichever check
 * (the schema, or a rule between two settings) found it: a heading, then one
 * line per problem, "  NAME: what is wrong", each beside the variable to change.
 * The checks run in two passes: the schema reports every variable that is
 * wrong on its own at once; the rules between settings run only when every
 * variable passed the schema (they compare valid values), so a rule's problem
 * shows up at the next start, once the first pass's problems are fixed.
 */
export function configError(problems: readonly ConfigProblem[]): ConfigError {
  const lines = problems.map(({ variable, problem }) => `  ${variable}: ${problem}`);
  return new ConfigError(`invalid configuration in the environment:\n${lines.join('\n')}`);
}

export const port = (fallback: number) => z.coerce.number().int().min(1).max(65535).default(fallback);
export const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

/** The log level every service and its migration command read (LOG_LEVEL). */
export const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info');
/** The service's name in traces and as PostgreSQL's application_name (OTEL_SERVICE_NAME). */
export const otelServiceName = z.string().optional();

/** Variables every service reads. Defaults are for local development only. */
export function commonEnv(defaults: { appPort: number; daprHttpPort: number; databaseUrl: string }) {
  return {
    /** Where the app listens; `dapr run` passes APP_PORT too. */
    APP_PORT: port(defaults.appPort),
    /** The app listens on loopback by default: only its sidecar talks to it. */
    APP_HOST: z.string().default('127.0.0.1'),
    /** The sidecar's HTTP port; `dapr run` sets DAPR_HTTP_PORT for the app. */
    DAPR_HTTP_PORT: port(defaults.daprHttpPort),
    DAPR_HOST: z.string().default('127.0.0.1'),
    /** Sent to the sidecar as `dapr-api-token` when set (the sidecar's DAPR_API_TOKEN). */
    DAPR_API_TOKEN: z.string().optional(),
    /**
     * The app refuses requests that lack it as `dapr-api-token` (health probes
     * and /metrics excepted). Required to start (startHttpService); optional
     * here so that a test can load the rest of a configuration without it.
     */
    APP_API_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
    /** Development default: the local cluster's dev-only password. Set it in production. */
    DATABASE_URL: z.string().url().default(defaults.databaseUrl),
    DATABASE_POOL_MAX: positiveInt(10),
    /** Apply pending migrations at start (in Kubernetes a Job does it instead). */
    MIGRATE_ON_START: z
      .enum(['true', 'false'])
      .default('true')
      .transform((value) => value === 'true'),
    /** When set (the OpenTelemetry name of the service), our database connections carry it as application_name. */
    OTEL_SERVICE_NAME: otelServiceName,
    LOG_LEVEL: logLevel,
    /** How long SIGTERM waits for in-flight work before exiting anyway. */
    SHUTDOWN_TIMEOUT_MS: positiveInt(10_000),
    /**
     * Largest accepted request body (bytes, or with b/kb/mb); larger is a 413
     * problem+json. Keep it below the sidecar's (dapr.yaml maxBodySize, 4Mi).
     * Checked here: body-parser takes what it cannot parse as no limit at all.
     */
    BODY_LIMIT: z
      .string()
      .regex(/^\d+(b|kb|mb)?$/i, 'must be a size such as 65536, 64kb or 1mb')
      .default('64kb'),
  };
}

export function loadConfig<S extends z.ZodRawShape>(shape: S, env: NodeJS.ProcessEnv = process.env): z.infer<z.ZodObject<S>> {
  const result = z.object(shape).safeParse(env);
  if (result.success) return result.data;
  throw configError(result.error.issues.map((issue) => ({ variable: issue.path.join('.'), problem: issue.message })));
}
