// Start-up and graceful shutdown, the same in every service: on SIGTERM or
// SIGINT, stop taking new work, let in-flight work finish (bounded by a
// timeout), release resources, exit.
import { maxHeaderSize, type Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type express from 'express';
import type { Logger } from './logger';
import { AppError, toProblem } from './errors';
import { PROBLEM_CONTENT_TYPE } from './http';

export function listen(app: express.Express, host: string, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host, (error?: Error) => (error ? reject(error) : resolve(server)));
    // Keep-alive from the sidecar outlives a default 5 s idle timeout; a longer one avoids resets under load.
    server.keepAliveTimeout = 65_000;
    server.headersTimeout = 66_000;
    server.on('clientError', answerClientError);
  });
}

/**
 * What Node answers itself, before Express sees a request, replaced where a
 * size limit was hit: headers over Node's --max-http-header-size (16 KiB) are
 * 431 and chunk extensions over its limit 413, as Node says, but as
 * application/problem+json like every other refusal. Other parse errors get
 * Node's own answer.
 */
function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  // Node's own rule (lib/_http_server.js): answer unless a response already began on this socket. Not
  // `bytesWritten === 0`: on a kept-alive connection (the sidecar's, a proxy's) earlier answers were written,
  // and the refusal must still get its answer, else the caller sees a reset (a 502 or ERR_DIRECT_INVOKE).
  const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } | null })._httpMessage;
  if (socket.writable && !inFlight?.headersSent) {
    const sizeProblem = SIZE_PROBLEMS[error.code ?? ''];
    socket.write(sizeProblem ? problemResponse(sizeProblem) : (NODE_ANSWERS[error.code ?? ''] ?? NODE_ANSWERS.default));
  }
  socket.destroy(error);
}

const SIZE_PROBLEMS: Record<string, { reason: string; error: AppError }> = {
  HPE_HEADER_OVERFLOW: {
    reason: 'Request Header Fields Too Large',
    error: new AppError('headers_too_large', { detail: `the request line and headers are larger than this service accepts: at most ${maxHeaderSize} bytes` }),
  },
  HPE_CHUNK_EXTENSIONS_OVERFLOW: {
    reason: 'Payload Too Large',
    error: new AppError('payload_too_large', { detail: 'the chunk extensions of the body are larger than this service accepts' }),
  },
};

const NODE_ANSWERS: Record<string, string> = {
  ERR_HTTP_REQUEST_TIMEOUT: 'HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n',
  default: 'HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n',
};

function problemResponse({ reason, error }: { reason: string; error: AppError }): string {
  const body = JSON.stringify(toProblem(error));
  return (
    `HTTP/1.1 ${error.status} ${reason}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`
  );
}

/** Stops accepting connections and resolves once in-flight requests have been answered. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    // close() drops the connections idle right now; a keep-alive connection (the
    // sidecar keeps them) that finishes its request later would hold the server
    // open until it times out, so idle ones are dropped again until none is left.
    const sweep = setInterval(() => server.closeIdleConnections(), 50);
    server.close(() => {
      clearInterval(sweep);
      resolve();
    });
    server.closeIdleConnections();
  });
}

export interface RunOptions {
  logger: Logger;
  shutdownTimeoutMs: number;
  /** Starts the service; resolves with the function that stops it. */
  start: () => Promise<() => Promise<void>>;
}

export function runService({ logger, shutdownTimeoutMs, start }: RunOptions): void {
  let stop: (() => Promise<void>) | undefined;
  let stopping = false;

  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: finishing in-flight work');
    const timer = setTimeout(() => {
      logger.error({ shutdownTimeoutMs }, 'in-flight work did not finish in time; exiting anyway');
      process.exit(1);
    }, shutdownTimeoutMs);
    timer.unref();
    try {
      await stop?.();
      logger.info('stopped');
      process.exit(0);
    } catch (error) {
      logger.error({ err: error }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  start()
    .then((stopFn) => {
      stop = stopFn;
      if (stopping) void stopFn();
    })
    .catch((error: unknown) => {
      logger.fatal({ err: error }, error instanceof Error ? error.message : 'start-up failed');
      process.exit(1);
    });
}
