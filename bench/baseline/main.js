'use strict';
/**
 * The benchmark's baseline: the least a Nest 11 app needs to serve a gated page — express-session
 * with its MemoryStore, one global guard that checks the session, one hbs page (layout + template)
 * about the size of Gatehouse's /result page. No helmet, CSRF, file store, user lookup or job
 * files: what is left between this and Gatehouse is the price of those.
 *
 * Plain JavaScript: the Nest decorators are applied by hand (no build step).
 * Env: PORT, HOST (default 127.0.0.1), NODE_ENV=production (express then caches compiled views).
 */
require('reflect-metadata');
const path = require('node:path');
const crypto = require('node:crypto');
const common = require('@nestjs/common');
const { NestFactory, APP_GUARD, Reflector } = require('@nestjs/core');
const session = require('express-session');

const IS_PUBLIC = 'baseline:public';
const COOKIE = 'baseline.sid';

/** The one guard: anything not marked public needs `req.session.userId`. */
class SessionGuard {
  constructor(reflector) {
    this.reflector = reflector;
  }

  canActivate(context) {
    const open = this.reflector.getAllAndOverride(IS_PUBLIC, [context.getHandler(), context.getClass()]);
    if (open) return true;
    const req = context.switchToHttp().getRequest();
    if (req.session && req.session.userId) return true;
    throw new common.UnauthorizedException();
  }
}
common.Injectable()(SessionGuard);
Reflect.defineMetadata('design:paramtypes', [Reflector], SessionGuard);

/** Static job data shaped like a finished Gatehouse job (3 drafts, 5 checks). */
function fakeJob(id) {
  const hash = (s) => crypto.createHash('sha256').update(s).digest('hex');
  return {
    id,
    status: 'succeeded',
    owner: 'bench',
    provider: 'offline (templated drafts, no model was called)',
    model: 'offline-template-v1',
    count: 3,
    created: '2026-01-01 10:00 UTC',
    started: '2026-01-01 10:00 UTC',
    finished: '2026-01-01 10:00 UTC',
    usage: '3 draft(s), 0 prompt + 0 completion tokens (0 total)',
    prompt: 'Remote work policy for a small team',
    files: [1, 2, 3].map((n) => ({
      path: `artifacts/0${n}-remote-work-policy-for-a-small-team-draft-number-${n}.md`,
      size: `${700 + n} B`,
      sha256: hash(String(n)),
    })),
    checks: ['non-empty', 'word-count', 'no-duplicates', 'banned-terms', 'file-hashes'].map((name) => ({
      name,
      passed: true,
      detail: `The ${name} check passed for all 3 drafts.`,
    })),
  };
}

class PageController {
  health() {
    return { status: 'ok' };
  }

  /** No password: the baseline measures the gate, not bcrypt. */
  login(req, res) {
    req.session.regenerate((err) => {
      if (err) return res.status(500).end();
      req.session.userId = 'bench';
      req.session.save(() => res.redirect(303, '/'));
    });
  }

  result(id, req) {
    return { pageTitle: 'Job result', user: req.session.userId, job: fakeJob(id) };
  }
}
const proto = PageController.prototype;
const method = (name, ...decorators) => {
  const descriptor = Object.getOwnPropertyDescriptor(proto, name);
  for (const decorate of decorators) decorate(proto, name, descriptor);
};
method('health', common.Get('healthz'), common.SetMetadata(IS_PUBLIC, true));
method('login', common.Post('login'), common.SetMetadata(IS_PUBLIC, true));
common.Req()(proto, 'login', 0);
common.Res()(proto, 'login', 1);
method('result', common.Get('result/:id'), common.Render('result'));
common.Param('id')(proto, 'result', 0);
common.Req()(proto, 'result', 1);
common.Controller()(PageController);

class BaselineModule {}
common.Module({
  controllers: [PageController],
  providers: [{ provide: APP_GUARD, useClass: SessionGuard }],
})(BaselineModule);

async function main() {
  const app = await NestFactory.create(BaselineModule, { logger: ['error', 'warn'] });
  app.use(
    session({
      name: COOKIE,
      secret: crypto.randomBytes(32).toString('hex'),
      resave: false,
      saveUninitialized: false,
      cookie: { httpOnly: true, sameSite: 'lax', path: '/' },
    }),
  );
  app.setBaseViewsDir(path.join(__dirname, 'views'));
  app.setViewEngine('hbs');
  app.set('view options', { layout: 'layout' });
  await app.listen(Number(process.env.PORT || 3100), process.env.HOST || '127.0.0.1');
}

// A normal exit on SIGTERM, so that `node --cpu-prof` writes its profile (bench/profile.js --baseline).
process.on('SIGTERM', () => process.exit(0));

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
