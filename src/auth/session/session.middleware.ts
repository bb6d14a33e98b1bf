import { Injectable } from '@nestjs/common';
import type { RequestHandler } from 'express';
import session from 'express-session';
import { AppConfig } from '../../config/app-config';
import { RepositorySessionStore } from './session-store';
import { SessionSecretService } from './session-secret.service';

export const SESSION_COOKIE = 'gatehouse.sid';

/** The express-session handler (SPEC §5 cookie flags), built from DI so app.setup can mount it. */
@Injectable()
export class SessionMiddleware {
  readonly handler: RequestHandler;

  constructor(config: AppConfig, store: RepositorySessionStore, secret: SessionSecretService) {
    this.handler = session({
      name: SESSION_COOKIE,
      secret: secret.secret,
      store,
      resave: false,
      saveUninitialized: false,
      rolling: false,
      unset: 'destroy',
      cookie: {
        httpOnly: true,
        sameSite: 'lax',
        path: '/',
        secure: config.cookieSecure,
        // The absolute limit; idle expiry is enforced server-side (SessionAuthenticator, store expiry).
        maxAge: config.sessionAbsoluteHours * 3600_000,
      },
    });
  }
}
