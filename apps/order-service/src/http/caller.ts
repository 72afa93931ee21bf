// Who is calling the order routes, decided once per request before any route runs:
//
// - a customer, proven by a bearer token (a JWT from the customers' identity
//   provider): they act on their own orders only;
// - a trusted service (an app id in SERVICE_CALLERS, e.g. python-client), proven
//   by Dapr: it reaches us only through our own sidecar, which presents our
//   APP_API_TOKEN, and the caller's sidecar names it in `dapr-caller-app-id`
//   after Dapr's access policy admitted it by its mTLS certificate. Only the app
//   channel (the port our sidecar calls) believes that header: on the public
//   listener anyone could write it.
//
// A bearer token wins over a service identity: a gateway or service forwarding a
// customer's token acts as that customer. No token and no trusted service: 401.
import { customerIdSchema } from '@orderflow/contracts';
import { AppError } from '@orderflow/service-kit';
import type { Request, RequestHandler, Response } from 'express';
import { InvalidToken, KeysUnavailable, type CustomerTokenVerifier } from '../auth/customer-token-verifier';

export type Caller = { kind: 'customer'; customerId: string } | { kind: 'service'; appId: string };

declare module 'express-serve-static-core' {
  interface Locals {
    caller?: Caller;
  }
}

/** How callers prove who they are: tokens checked, or (development only) the customer named in a header. */
export type CustomerAuthentication = { mode: 'jwt'; verifier: CustomerTokenVerifier } | { mode: 'insecure-no-auth' };

export interface CallerOptions {
  authentication: CustomerAuthentication;
  /** App ids trusted as services (SERVICE_CALLERS). */
  serviceCallers: readonly string[];
  /** True only on the app channel, where every request carries our APP_API_TOKEN (so came through our sidecar). */
  trustsDaprHeaders: boolean;
}

const REALM = 'orderflow';
/** DEVELOPMENT ONLY (AUTH_INSECURE_NO_AUTH): the header that names the customer, unchecked. */
export const INSECURE_CUSTOMER_HEADER = 'x-customer-id';

/** RFC 6750 §3: the challenge; with an error code only when a token was sent. */
function challenge(res: Response, error?: { code: 'invalid_token'; description: string }): void {
  const attributes = [`realm="${REALM}"`];
  if (error) attributes.push(`error="${error.code}"`, `error_description="${error.description.replaceAll('"', "'")}"`);
  res.setHeader('www-authenticate', `Bearer ${attributes.join(', ')}`);
}

/**
 * The one app id in `dapr-caller-app-id`, when the request came through our
 * sidecar. A client that writes the header itself and is relayed by another
 * app's sidecar arrives with two values (the sidecar adds its own): refused.
 */
function daprCaller(req: Request): string | undefined {
  const raw = req.headersDistinct['dapr-caller-app-id'];
  if (!raw || raw.length !== 1) return undefined;
  const [value] = raw;
  return value && !value.includes(',') ? value.trim() : undefined;
}

export function identifyCaller(options: CallerOptions): RequestHandler {
  const serviceCallers = new Set(options.serviceCallers);
  return async (req, res, next) => {
    try {
      res.locals.caller = await callerOf(req, res, options, serviceCallers);
      next();
    } catch (error) {
      next(error);
    }
  };
}

async function callerOf(req: Request, res: Response, options: CallerOptions, serviceCallers: Set<string>): Promise<Caller> {
  const authorization = req.header('authorization');
  const { authentication } = options;

  if (authorization !== undefined && authentication.mode === 'jwt') {
    // Another scheme (Basic ...) is no bearer token at all: the plain challenge.
    const token = /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1];
    if (token === undefined) {
      challenge(res);
      throw new AppError('not_authenticated', { detail: 'send a bearer token: Authorization: Bearer <token>' });
    }
    try {
      return { kind: 'customer', customerId: await authentication.verifier.customerIdOf(token) };
    } catch (error) {
      if (error instanceof KeysUnavailable) throw new AppError('unavailable', { detail: 'tokens cannot be checked right now; retry shortly', cause: error });
      if (!(error instanceof InvalidToken)) throw error;
      challenge(res, { code: 'invalid_token', description: error.message });
      throw new AppError('not_authenticated', { detail: error.message });
    }
  }

  const appId = options.trustsDaprHeaders ? daprCaller(req) : undefined;
  if (appId !== undefined && serviceCallers.has(appId)) return { kind: 'service', appId };

  if (authentication.mode === 'insecure-no-auth') {
    const named = customerIdSchema.safeParse(req.header(INSECURE_CUSTOMER_HEADER));
    if (named.success) return { kind: 'customer', customerId: named.data };
    throw new AppError('not_authenticated', {
      detail: `development mode without authentication: name the customer in the ${INSECURE_CUSTOMER_HEADER} header`,
    });
  }

  challenge(res);
  throw new AppError('not_authenticated', { detail: 'send a bearer token: Authorization: Bearer <token>' });
}

/** The caller identifyCaller found (it runs before every order route). */
export function requireCaller(res: Response): Caller {
  const { caller } = res.locals;
  if (!caller) throw new Error('identifyCaller did not run before this route');
  return caller;
}
