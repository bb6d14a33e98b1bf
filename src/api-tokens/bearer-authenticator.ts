import { Injectable, Logger } from '@nestjs/common';
import type { Request } from 'express';
import { AuditService } from '../audit/audit.service';
import type { AuthContext } from '../auth/auth-context';
import { TooManyAttemptsError } from '../auth/auth-errors';
import { loginIpKey } from '../auth/throttling/password-attempts.service';
import { RateLimiter } from '../auth/throttling/rate-limiter.service';
import { clientIp } from '../common/http/request-info';
import { AppConfig } from '../config/app-config';
import { UsersRepository } from '../users/users.repository';
import { CookieAndBearerError, InvalidApiTokenError, NOT_A_TOKEN_ROUTE } from './api-token-errors';
import { ApiTokensService } from './api-tokens.service';
import { API_TOKEN_MAX_LENGTH } from './token-format';

/** What authentication reads of a request (an express Request has all of it). */
export type BearerCarrier = Pick<Request, 'headers' | 'method' | 'path'> & Partial<Pick<Request, 'ip' | 'socket'>>;

/** The secret of an `Authorization: Bearer <secret>` header; undefined when there is no such header. */
export function bearerSecret(req: Pick<Request, 'headers'>): string | undefined {
  const header = req.headers?.authorization;
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer(?:[ \t]+(.*))?$/i.exec(header.trim());
  return match ? (match[1] ?? '').trim() : undefined;
}

/** The only routes a token opens (SPEC §5.2): /api/* and GET /download/<jobId>.zip — never pages or forms. */
export function isTokenRoute(req: Pick<Request, 'method' | 'path'>): boolean {
  if (req.path === '/api' || req.path.startsWith('/api/')) return true;
  return (req.method === 'GET' || req.method === 'HEAD') && /^\/download\/[^/]+\.zip$/.test(req.path);
}

/**
 * The 'token' method of the single authentication point (AuthService.authenticate asks it first).
 * For a request with `Authorization: Bearer ...`:
 *
 * 1. a cookie as well: 400 (which of the two would act is not guessed);
 * 2. not /api/* nor GET /download/<id>.zip: 401 (tokens never open pages or forms);
 * 3. the attempt is counted on the client IP's login-failure counter before the token is looked up
 *    (LOGIN_MAX_FAILURES_PER_IP; a locked IP gets 429 with Retry-After), and refunded when the token is
 *    good — so bad tokens lock the IP like failed logins, and a burst cannot pass the limit;
 * 4. the token is found by its SHA-256, must be unexpired, and its owner is re-read: a disabled or
 *    deleted owner is 401, a demoted one acts with the new role at once.
 */
@Injectable()
export class BearerAuthenticator {
  private readonly logger = new Logger('ApiTokens');

  constructor(
    private readonly tokens: ApiTokensService,
    private readonly users: UsersRepository,
    private readonly limiter: RateLimiter,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
  ) {}

  /** undefined when the request carries no bearer token (the session decides then); throws when refused. */
  async authenticate(req: BearerCarrier): Promise<AuthContext | undefined> {
    const secret = bearerSecret(req);
    if (secret === undefined) return undefined;
    if (req.headers.cookie?.trim()) throw new CookieAndBearerError();
    if (!isTokenRoute(req)) throw new InvalidApiTokenError(NOT_A_TOKEN_ROUTE);

    const ip = clientIp(req as Request);
    const outcome = await this.limiter.reserve([
      {
        key: loginIpKey(ip),
        limit: { max: this.config.loginMaxFailuresPerIp, windowMs: this.config.loginLockoutMinutes * 60_000 },
      },
    ]);
    if (!outcome.ok) {
      if (outcome.firstRefusals.length > 0) {
        await this.audit.record('login.throttled', {
          actor: null,
          ip,
          lock: 'ip',
          retry_after: outcome.retryAfter,
          via: 'api_token',
        });
      }
      throw new TooManyAttemptsError(outcome.retryAfter, 'failed sign-ins from your address');
    }

    const token = secret.length <= API_TOKEN_MAX_LENGTH ? await this.tokens.findUsable(secret) : undefined;
    const user = token ? await this.users.findById(token.userId) : undefined;
    if (!token || !user || user.disabled) throw new InvalidApiTokenError();

    await this.limiter.refund(outcome.reservation);
    await this.tokens.recordUse(token).catch((error: unknown) => {
      // Losing a last-used stamp must not refuse a good request.
      this.logger.warn(`Could not record an API token's use: ${(error as Error).message}`);
    });
    return { user, method: 'token', mfaPending: false, tokenId: token.id };
  }
}
