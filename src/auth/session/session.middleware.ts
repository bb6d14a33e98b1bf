import { Injectable, OnModuleInit } from '@nestjs/common';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import session from 'express-session';
import { AppConfig } from '../../config/app-config';
import { RepositorySessionStore } from './session-store';
import { SessionSecretService } from './session-secret.service';

export const SESSION_COOKIE = 'gatehouse.sid';

/**
 * The express-session handler (SPEC §5 cookie flags), built from DI so app.setup can mount it. The
 * session secret may come from the store (postgres: the database), so express-session is built on
 * init, once the secret is loaded; `handler` is mounted before that and delegates to it.
 */
@Injectable()
export class SessionMiddleware implements OnModuleInit {
  private inner: RequestHandler | undefined;

  constructor(
    private readonly config: AppConfig,
    private readonly store: RepositorySessionStore,
    private readonly secret: SessionSecretService,
  ) {}

  async onModuleInit(): Promise<void> {
    const secret = await this.secret.load();
    this.inner = session({
      name: SESSION_COOKIE,
      secret,
      store: this.store,
      resave: false,
      saveUninitialized: false,
      rolling: false,
      unset: 'destroy',
      cookie: {
        httpOnly: true,
        sameSite: 'lax',
        path: '/',
        secure: this.config.cookieSecure,
        // The absolute limit; idle expiry is enforced server-side (SessionAuthenticator, store expiry).
        maxAge: this.config.sessionAbsoluteHours * 3600_000,
      },
    });
  }

  readonly handler: RequestHandler = (req: Request, res: Response, next: NextFunction) => {
    if (!this.inner) {
      next(new Error('SessionMiddleware used before the application was initialised'));
      return;
    }
    this.inner(req, res, next);
  };
}
