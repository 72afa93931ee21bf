// One error type for every service, and one table from its kind to an HTTP
// status and a stable problem `type`. Routes and use cases throw AppError; the
// error middleware (http.ts) turns it into application/problem+json.

export const ERROR_KINDS = {
  invalid_data: { status: 400, title: 'The request is not valid' },
  malformed_json: { status: 400, title: 'The request body is not valid JSON' },
  unauthorized: { status: 401, title: 'Missing or wrong API token' },
  not_authenticated: { status: 401, title: 'Missing or invalid bearer token' },
  forbidden: { status: 403, title: 'Not allowed for this caller' },
  not_found: { status: 404, title: 'Not found' },
  method_not_allowed: { status: 405, title: 'Method not allowed' },
  conflict: { status: 409, title: 'Conflicts with what is already recorded' },
  payload_too_large: { status: 413, title: 'The request body is too large' },
  unsupported_media_type: { status: 415, title: 'Unsupported content type' },
  unprocessable: { status: 422, title: 'The request cannot be processed' },
  too_many_requests: { status: 429, title: 'Too many requests' },
  headers_too_large: { status: 431, title: 'The request headers are too large' },
  upstream_error: { status: 502, title: 'A service this one depends on failed' },
  unavailable: { status: 503, title: 'Temporarily unavailable' },
  internal: { status: 500, title: 'Internal error' },
} as const;

export type ErrorKind = keyof typeof ERROR_KINDS;

/** One bad field of a request: a dotted path such as `items[0].quantity`. */
export interface FieldError {
  field: string;
  message: string;
}

export interface AppErrorOptions {
  detail?: string;
  errors?: FieldError[];
  cause?: unknown;
}

export class AppError extends Error {
  readonly kind: ErrorKind;
  readonly status: number;
  readonly errors: FieldError[] | undefined;

  constructor(kind: ErrorKind, options: AppErrorOptions = {}) {
    super(options.detail ?? ERROR_KINDS[kind].title, { cause: options.cause });
    this.name = 'AppError';
    this.kind = kind;
    this.status = ERROR_KINDS[kind].status;
    this.errors = options.errors;
  }
}

/** The RFC 9457 problem document for an error. */
export function toProblem(error: AppError, instance?: string): Record<string, unknown> {
  return {
    type: `https://orderflow.dev/problems/${error.kind.replaceAll('_', '-')}`,
    title: ERROR_KINDS[error.kind].title,
    status: error.status,
    detail: error.message,
    ...(instance ? { instance } : {}),
    ...(error.errors?.length ? { errors: error.errors } : {}),
  };
}
