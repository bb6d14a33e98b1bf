import { ExecutionContext, ForbiddenException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AppConfig } from '../../config/app-config';
import { User } from '../../users/user.model';
import { ALLOWED_BEFORE_TWO_FACTOR_KEY } from './allowed-before-two-factor.decorator';
import { MemoryTwoFactorRepository } from './persistence/memory/memory-two-factor.repository';
import { RequireAdminTwoFactorGuard } from './require-admin-two-factor.guard';

const user = (role: 'admin' | 'user'): User => ({
  id: `id-${role}`,
  username: role,
  role,
  createdAt: null,
  disabled: false,
  invitedBy: null,
  lastLoginAt: null,
  sessionVersion: 0,
  dailyDrafts: null,
});

function contextFor(req: Record<string, unknown>, allowed = false) {
  const handler = () => undefined;
  if (allowed) Reflect.defineMetadata(ALLOWED_BEFORE_TWO_FACTOR_KEY, true, handler);
  const res = { redirect: jest.fn() };
  const context = {
    getHandler: () => handler,
    getClass: () => class {},
    switchToHttp: () => ({ getRequest: () => ({ path: '/jobs', ...req }), getResponse: () => res }),
  } as unknown as ExecutionContext;
  return { context, res };
}

describe('RequireAdminTwoFactorGuard', () => {
  const guardWith = (requireAdmin2fa: boolean, repository = new MemoryTwoFactorRepository()) =>
    new RequireAdminTwoFactorGuard({ requireAdmin2fa } as AppConfig, new Reflector(), repository);

  it('does nothing when REQUIRE_ADMIN_2FA is off', async () => {
    const { context, res } = contextFor({ user: user('admin') });
    expect(await guardWith(false).canActivate(context)).toBe(true);
    expect(res.redirect).not.toHaveBeenCalled();
  });

  it('lets anonymous visitors and plain users through', async () => {
    expect(await guardWith(true).canActivate(contextFor({}).context)).toBe(true);
    expect(await guardWith(true).canActivate(contextFor({ user: user('user') }).context)).toBe(true);
  });

  it('sends an admin without two-factor login to /account/2fa, except on @AllowedBeforeTwoFactor() routes', async () => {
    const { context, res } = contextFor({ user: user('admin') });
    expect(await guardWith(true).canActivate(context)).toBe(false);
    expect(res.redirect).toHaveBeenCalledWith(303, '/account/2fa');
    expect(await guardWith(true).canActivate(contextFor({ user: user('admin') }, true).context)).toBe(true);
  });

  it('answers /api with 403 instead of a redirect', async () => {
    const { context, res } = contextFor({ user: user('admin'), path: '/api/jobs' });
    await expect(guardWith(true).canActivate(context)).rejects.toBeInstanceOf(ForbiddenException);
    expect(res.redirect).not.toHaveBeenCalled();
  });

  it('lets an enrolled admin through (a pending setup is not enough)', async () => {
    const repository = new MemoryTwoFactorRepository();
    await repository.savePending('id-admin', 'sealed', '2026-12-07T05:00:00.000Z');
    expect(await guardWith(true, repository).canActivate(contextFor({ user: user('admin') }).context)).toBe(false);
    await repository.enable('id-admin', {
      sealedSecret: 'sealed',
      enabledAt: '2026-12-07T05:00:00.000Z',
      usedStep: 1,
      recoveryCodeHashes: [],
    });
    expect(await guardWith(true, repository).canActivate(contextFor({ user: user('admin') }).context)).toBe(true);
  });
});
