// The Express app every service is built on: security headers, JSON-only
// bodies with a size limit, health probes, the optional app API token, one
// log line per request with its trace id, and one error middleware that turns
// every failure into application/problem+json. Services add only their routes.
import { timingSafeEqual } from 'node:crypto';
import express, { type ErrorRequestHandler, type Request, type RequestHandler, type Router } from 'express';
import helmet from 'helmet';
import type { Logger } from './logger';
import { AppError, toProblem } from './errors';
import { measureRequests, type ServiceMetrics } from './metrics';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
const JSON_TYPES = ['application/json', 'application/*+json'];

export interface HttpAppOptions {
  logger: Logger;
  /** Largest accepted body, e.g. "64kb". */
  bodyLimit: string;
  /** When set, every request but the health probes must carry it as `dapr-api-token`. */
  appApiToken?: string | undefined;
  /** Resolves when the service can do its work (its database answers); rejects otherwise. */
  readiness: () => Promise<void>;
  routes: (router: Router) => void;
  /** When given: request durations are recorded and GET /metrics serves the registry. */
  metrics?: ServiceMetrics | undefined;
  /** The service's OpenAPI document, served at GET /openapi.json (no token needed, like the probes). */
  openApi?: object | undefined;
  /** The AsyncAPI document of the events it publishes, served at GET /asyncapi.json (as the OpenAPI document). */
  asyncApi?: object | undefined;
  /**
   * false: GET /metrics, GET /openapi.json and GET /asyncapi.json are not served (request durations
   * are still recorded): an app for a public listener, which serves only its
   * routes and the probes. Default true.
   */
  servesOperations?: boolean | undefined;
  /**
   * How many proxies in front of this listener append to X-Forwarded-For
   * (an Ingress controller: 1). `req.ip` is then the address the outermost of
   * them saw; anything a client wrote further left is ignored. 0 (default):
   * the socket's peer.
   */
  trustedProxyCount?: number | undefined;
  /**
   * The routes a Dapr cron binding POSTs on its schedule (every second or two):
   * their request lines are logged at debug, not info, or they would be most of
   * the log. A tick that is refused or fails (status 400 and up) is still logged at info.
   */
  tickRoutes?: readonly string[] | undefined;
}

declare module 'express-serve-static-core' {
  interface Locals {
    log: Logger;
    traceId?: string;
  }
}

/** W3C trace context: `00-<trace id>-<span id>-<flags>`. Dapr propagates it on every hop. */
export function traceIdOf(traceparent: string | undefined): string | undefined {
  const match = /^[\da-f]{2}-([\da-f]{32})-[\da-f]{16}-[\da-f]{2}$/.exec(traceparent ?? '');
  return match?.[1];
}

/** Headers to pass on to the sidecar so Dapr keeps the same trace. */
export function traceHeaders(request: Request): Record<string, string | undefined> {
  return { traceparent: request.header('traceparent'), tracestate: request.header('tracestate') };
}

export function createHttpApp(options: HttpAppOptions): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  if (options.trustedProxyCount) app.set('trust proxy', options.trustedProxyCount);
  app.use(helmet());
  app.use(requestLogging(options.logger, options.tickRoutes ?? []));
  const { metrics } = options;
  const servesOperations = options.servesOperations ?? true;
  if (metrics) {
    app.use(measureRequests(metrics));
  }
  if (metrics && servesOperations) {
    app.get('/metrics', async (_req, res) => {
      res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
    });
  }

  app.get('/health/live', (_req, res) => {
    res.json({ status: 'live' });
  });
  app.get('/health/ready', async (_req, res) => {
    try {
      await options.readiness();
      res.json({ status: 'ready' });
    } catch (error) {
      res.locals.log.warn({ err: error }, 'not ready');
      res.status(503).type(PROBLEM_CONTENT_TYPE).json(toProblem(new AppError('unavailable', { detail: 'the database does not answer' })));
    }
  });

  const { openApi } = options;
  if (openApi) {
    if (servesOperations) app.get('/openapi.json', (_req, res) => void res.json(openApi));
    app.use(methodsFromDocument(openApi as { paths: Record<string, object> }));
  }
  const { asyncApi } = options;
  if (asyncApi && servesOperations) app.get('/asyncapi.json', (_req, res) => void res.json(asyncApi));

  if (options.appApiToken) app.use(requireApiToken(options.appApiToken));
  app.use(requireJsonBody);
  app.use(express.json({ limit: options.bodyLimit, strict: true, type: JSON_TYPES }));

  const router = express.Router();
  options.routes(router);
  app.use(router);

  app.use((req, _res, next) => {
    next(new AppError('not_found', { detail: `no route for ${req.method} ${req.path}` }));
  });
  app.use(problemResponses);
  return app;
}

function requestLogging(logger: Logger, tickRoutes: readonly string[]): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    const traceId = traceIdOf(req.header('traceparent'));
    res.locals.traceId = traceId;
    res.locals.log = traceId ? logger.child({ traceId }) : logger;
    res.on('finish', () => {
      if (req.path.startsWith('/health/') || req.path === '/metrics') return;
      const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
      const tick = req.method === 'POST' && tickRoutes.includes(req.path) && res.statusCode < 400;
      res.locals.log[tick ? 'debug' : 'info'](
        { method: req.method, path: req.path, status: res.statusCode, durationMs: Math.round(durationMs * 10) / 10 },
        'request',
      );
    });
    next();
  };
}

function requireApiToken(expected: string): RequestHandler {
  const expectedBytes = Buffer.from(expected);
  return (req, _res, next) => {
    const given = Buffer.from(req.header('dapr-api-token') ?? '');
    if (given.length === expectedBytes.length && timingSafeEqual(given, expectedBytes)) return next();
    next(new AppError('unauthorized', { detail: 'this app only answers its Dapr sidecar (dapr-api-token)' }));
  };
}

/**
 * 405 with `Allow` for a method the document does not list on a path it does
 * (HEAD goes with GET; OPTIONS is answered by Express, and the sidecar probes
 * input-binding routes with it). Unknown paths fall through to 404.
 */
function methodsFromDocument(document: { paths: Record<string, object> }): RequestHandler {
  const templates = Object.entries(document.paths).map(([template, operations]) => ({
    pattern: new RegExp(`^${template.replace(/\{[^/}]+\}/g, '[^/]+')}$`),
    allowed: Object.keys(operations).map((method) => method.toUpperCase()),
  }));
  return (req, res, next) => {
    const match = templates.find((template) => template.pattern.test(req.path));
    if (!match || req.method === 'OPTIONS') return next();
    const allowed = match.allowed.includes('GET') ? [...match.allowed, 'HEAD'] : match.allowed;
    if (allowed.includes(req.method)) return next();
    res.setHeader('allow', allowed.join(', '));
    next(new AppError('method_not_allowed', { detail: `${req.method} is not allowed on ${req.path}; use ${allowed.join(' or ')}` }));
  };
}

/**
 * A request whose body is something other than JSON is 415, before any
 * parsing; one with content but no content type too. A request without a body
 * (no Transfer-Encoding, Content-Length absent or 0) passes whatever content
 * type it names: there is nothing to refuse, and clients such as Dapr's Python
 * SDK name one on every call, a GET included. (A chunked request without a
 * content type, as the sidecar forwards an empty POST, may be empty: it passes,
 * and the route judges the missing body.)
 */
const requireJsonBody: RequestHandler = (req, _res, next) => {
  const chunked = req.header('transfer-encoding') !== undefined;
  const hasBody = chunked || Number(req.header('content-length') ?? 0) > 0;
  if (!hasBody) return next();
  if (chunked && req.header('content-type') === undefined) return next();
  if (req.is(JSON_TYPES)) return next();
  const refusal = new AppError('unsupported_media_type', {
    detail: `send the body as application/json (got ${req.header('content-type') ?? 'no content type'})`,
  });
  if (!chunked) return next(refusal);
  // daprd forwards a request without a body chunked when it cannot tell in time that none follows
  // (a GET under load): look before refusing. The first byte decides; a body is refused unread past it.
  void endsEmpty(req).then((empty) => next(empty ? undefined : refusal));
};

/** Whether a chunked request ends without a byte of body (it consumes at most the first chunk). */
function endsEmpty(req: Request): Promise<boolean> {
  return new Promise((resolve) => {
    const settle = (empty: boolean) => {
      req.off('data', onData).off('end', onEnd).off('error', onError);
      if (!empty) req.pause();
      resolve(empty);
    };
    const onData = (chunk: Buffer) => chunk.length > 0 && settle(false);
    const onEnd = () => settle(true);
    const onError = () => settle(false);
    req.on('data', onData).on('end', onEnd).on('error', onError);
  });
}

interface BodyParserError extends Error {
  type?: string;
  status?: number;
  /** entity.too.large: the limit, in bytes. */
  limit?: number;
}

const problemResponses: ErrorRequestHandler = (error, req, res, _next) => {
  const appError = asAppError(error);
  if (appError.status >= 500) res.locals.log.error({ err: error }, 'request failed');
  if (res.headersSent) return;
  res.status(appError.status).type(PROBLEM_CONTENT_TYPE).json(toProblem(appError, req.originalUrl));
};

function asAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  // Express could not decode a path parameter (%ED%A0%80 is a lone surrogate, %FF no UTF-8 at all).
  if (error instanceof URIError) return new AppError('invalid_data', { detail: 'the path is not percent-encoded UTF-8', cause: error });
  const parserError = error as BodyParserError;
  switch (parserError?.type) {
    case 'entity.parse.failed':
      return new AppError('malformed_json', { detail: 'the body is not valid JSON (or not a JSON object)', cause: error });
    case 'entity.too.large':
      return new AppError('payload_too_large', {
        detail: `the body is larger than this service accepts: at most ${parserError.limit} bytes (BODY_LIMIT)`,
        cause: error,
      });
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new AppError('unsupported_media_type', { detail: 'send the body as UTF-8 JSON', cause: error });
    case 'request.aborted':
      return new AppError('invalid_data', { detail: 'the request was aborted', cause: error });
    default:
      return new AppError('internal', { detail: 'something went wrong on our side; it has been logged', cause: error });
  }
}
