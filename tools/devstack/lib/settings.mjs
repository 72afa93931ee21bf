// The one place where the local stack's defaults live. Every value can be
// overridden from the environment; docs/configuration.md lists them.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
/** Everything the scripts install, build or keep as data (gitignored). */
export const LOCAL = path.join(ROOT, '.local');

const env = process.env;
const port = (name, fallback) => {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    throw new Error(`${name}=${raw} is not a TCP port (1-65535)`);
  }
  return value;
};

const samplingRate = (name, fallback) => {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0 || value > 1) throw new Error(`${name}=${raw} is not a sampling rate (0 to 1, e.g. 0.1)`);
  return String(value);
};

const quantity = (name, fallback) => {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^[1-9]\d*(Ki|Mi|Gi)?$/.test(raw)) throw new Error(`${name}=${raw} is not a size in bytes, Ki, Mi or Gi (e.g. 4Mi)`);
  return raw;
};

// Our own defaults stay below 32768: Linux hands out 32768–60999 as the local
// ports of outgoing connections, and a listener there can find its port taken by a
// client socket now and then. (The sidecars' gRPC ports 50001–50003 are the documented
// Dapr-style defaults; move them with *_DAPR_GRPC_PORT if that ever bites.)
export const settings = {
  postgres: {
    host: env.PG_HOST || '127.0.0.1',
    port: port('PG_PORT', 5432),
    // Set PG_ADMIN_USER (and PG_ADMIN_PASSWORD) to use an existing server instead of the
    // project-local cluster; the scripts then only create the roles and databases.
    adminUser: env.PG_ADMIN_USER || '',
    adminPassword: env.PG_ADMIN_PASSWORD || '',
  },
  kafka: {
    port: port('KAFKA_PORT', 9092),
    controllerPort: port('KAFKA_CONTROLLER_PORT', 9093),
    /** The listener the local Kubernetes cluster's pods use (npm test's cluster suite only). */
    clusterPort: port('KAFKA_CLUSTER_PORT', 9094),
  },
  smtp: { port: port('SMTP_PORT', 1025), webPort: port('MAILDEV_WEB_PORT', 1080) },
  zipkin: { port: port('ZIPKIN_PORT', 9411) },
  /** The share of requests the sidecars trace (dapr/config.yaml samplingRate): 0 = off, 1 = all. */
  traceSamplingRate: samplingRate('ORDERFLOW_TRACE_SAMPLING_RATE', '1'),
  /**
   * The largest request body a sidecar takes (daprd --max-body-size; dapr.yaml
   * maxBodySize holds the default). A larger one is a 413 problem+json from the
   * sidecar (components/body-limit.yaml); the apps' own BODY_LIMIT (64kb) is below it.
   */
  sidecarMaxBodySize: quantity('ORDERFLOW_SIDECAR_MAX_BODY_SIZE', undefined),
  /** The example client in examples/python and its own sidecar. */
  pythonClient: {
    appPort: port('PYTHON_CLIENT_APP_PORT', 3010),
    httpPort: port('PYTHON_CLIENT_DAPR_HTTP_PORT', 3510),
    grpcPort: port('PYTHON_CLIENT_DAPR_GRPC_PORT', 3520),
    internalGrpcPort: port('PYTHON_CLIENT_DAPR_INTERNAL_GRPC_PORT', 3620),
    metricsPort: port('PYTHON_CLIENT_DAPR_METRICS_PORT', 9110),
  },
  /** The example client in examples/typescript (@dapr/dapr) and its own sidecar. */
  tsClient: {
    appPort: port('TS_CLIENT_APP_PORT', 3011),
    httpPort: port('TS_CLIENT_DAPR_HTTP_PORT', 3511),
    grpcPort: port('TS_CLIENT_DAPR_GRPC_PORT', 3521),
    internalGrpcPort: port('TS_CLIENT_DAPR_INTERNAL_GRPC_PORT', 3621),
    metricsPort: port('TS_CLIENT_DAPR_METRICS_PORT', 9111),
  },
  // Dapr Sentry, the certificate authority of the sidecars' mTLS. Not Dapr's
  // default 50001 (order-service's sidecar gRPC port) nor its 8080 for health.
  sentry: {
    port: port('SENTRY_PORT', 3609),
    healthzPort: port('SENTRY_HEALTHZ_PORT', 9109),
  },
  apps: {
    'order-service': {
      appPort: port('ORDER_APP_PORT', 3001),
      // The public order API (customers with a bearer token, no Dapr), as an Ingress reaches it.
      publicPort: port('ORDER_PUBLIC_PORT', 3000),
      httpPort: port('ORDER_DAPR_HTTP_PORT', 3501),
      grpcPort: port('ORDER_DAPR_GRPC_PORT', 50001),
      internalGrpcPort: port('ORDER_DAPR_INTERNAL_GRPC_PORT', 3601),
      metricsPort: port('ORDER_DAPR_METRICS_PORT', 9101),
    },
    'payment-service': {
      appPort: port('PAYMENT_APP_PORT', 3002),
      httpPort: port('PAYMENT_DAPR_HTTP_PORT', 3502),
      grpcPort: port('PAYMENT_DAPR_GRPC_PORT', 50002),
      internalGrpcPort: port('PAYMENT_DAPR_INTERNAL_GRPC_PORT', 3602),
      metricsPort: port('PAYMENT_DAPR_METRICS_PORT', 9102),
    },
    'notification-service': {
      appPort: port('NOTIFICATION_APP_PORT', 3003),
      httpPort: port('NOTIFICATION_DAPR_HTTP_PORT', 3503),
      grpcPort: port('NOTIFICATION_DAPR_GRPC_PORT', 50003),
      internalGrpcPort: port('NOTIFICATION_DAPR_INTERNAL_GRPC_PORT', 3603),
      metricsPort: port('NOTIFICATION_DAPR_METRICS_PORT', 9103),
    },
  },
};
