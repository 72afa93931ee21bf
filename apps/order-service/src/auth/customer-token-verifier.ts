// Who a customer is, from the bearer token their identity provider gave them:
// a JWT whose signature checks out against the issuer's published keys (JWKS),
// that names our issuer and audience, is within its lifetime (with a little
// clock leeway), and uses an asymmetric algorithm we accept. jose does the
// checking; this module only configures it and says, in the words of RFC 6750,
// why a token was refused.
import { customerIdSchema } from '@orderflow/contracts';
import type * as Jose from 'jose' with { 'resolution-mode': 'import' };

export interface TokenVerifierSettings {
  issuer: string;
  audience: string;
  jwksUri: string;
  algorithms: string[];
  clockToleranceSeconds: number;
  /** The claim that holds the customer id (`sub` unless configured). */
  customerClaim: string;
  jwksCacheMaxAgeMs: number;
  jwksCooldownMs: number;
}

/** A token that does not prove who the caller is: 401 `invalid_token`, with a description for the client. */
export class InvalidToken extends Error {
  override name = 'InvalidToken';
}

/** The issuer's keys cannot be had right now: the token may well be valid (503, not 401). */
export class KeysUnavailable extends Error {
  override name = 'KeysUnavailable';
}

export interface CustomerTokenVerifier {
  /** The customer id the token proves; throws InvalidToken or KeysUnavailable. */
  customerIdOf(token: string): Promise<string>;
}

// jose is published as ES modules only; this CommonJS build loads it with import().
let josePromise: Promise<typeof Jose> | undefined;
const loadJose = () => (josePromise ??= import('jose'));

/** Why jose refused a token, as a sentence for `error_description` (no secrets, no token contents). */
function describeRefusal(error: { code?: string; claim?: string; message?: string }): string {
  switch (error.code) {
    case 'ERR_JWT_EXPIRED':
      return 'the token has expired';
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      return error.claim === 'nbf' ? 'the token is not valid yet' : `the token's ${error.claim} claim is not accepted`;
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
    case 'ERR_JOSE_NOT_SUPPORTED':
      return 'the token is not signed with an accepted algorithm';
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return 'the token signature is not valid';
    case 'ERR_JWKS_NO_MATCHING_KEY':
    case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS':
      return 'the token is not signed by a key of the issuer';
    default:
      return 'the token is malformed';
  }
}

export function jwtCustomerTokenVerifier(settings: TokenVerifierSettings): CustomerTokenVerifier {
  let keys: ReturnType<typeof Jose.createRemoteJWKSet> | undefined;
  const keySet = async () => {
    const jose = await loadJose();
    keys ??= jose.createRemoteJWKSet(new URL(settings.jwksUri), {
      cacheMaxAge: settings.jwksCacheMaxAgeMs,
      cooldownDuration: settings.jwksCooldownMs,
      timeoutDuration: 5_000,
    });
    return keys;
  };

  return {
    async customerIdOf(token) {
      const jose = await loadJose();
      let payload: Jose.JWTPayload;
      try {
        ({ payload } = await jose.jwtVerify(token, await keySet(), {
          issuer: settings.issuer,
          audience: settings.audience,
          algorithms: settings.algorithms,
          clockTolerance: settings.clockToleranceSeconds,
          requiredClaims: ['exp'],
        }));
      } catch (error) {
        const code = (error as { code?: string }).code;
        // The key set could not be fetched or read (jose's generic errors come only
        // from fetching it; a network failure is not a JOSEError at all): not the token's fault.
        const keysFailed = ['ERR_JWKS_TIMEOUT', 'ERR_JWKS_INVALID', 'ERR_JOSE_GENERIC'].includes(code ?? '');
        if (keysFailed || !(error instanceof jose.errors.JOSEError)) {
          throw new KeysUnavailable(`the issuer's keys (${settings.jwksUri}) cannot be fetched: ${(error as Error).message}`, { cause: error });
        }
        throw new InvalidToken(describeRefusal(error as { code?: string; claim?: string }), { cause: error });
      }
      const customerId = payload[settings.customerClaim];
      if (typeof customerId !== 'string' || !customerIdSchema.safeParse(customerId).success) {
        throw new InvalidToken(`the token's ${settings.customerClaim} claim is not a customer id this API accepts`);
      }
      return customerId;
    },
  };
}
