import { Provider, Type } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AccountTwoFactorController } from './controllers/account-two-factor.controller';
import { LoginTwoFactorController } from './controllers/login-two-factor.controller';
import { RequireAdminTwoFactorGuard } from './require-admin-two-factor.guard';
import { TwoFactorPageLocals } from './two-factor-page.locals';

/**
 * Two-factor login's HTTP part of AuthModule: its pages and the REQUIRE_ADMIN_2FA guard. The rules
 * (TwoFactorService) live in TwoFactorModule, which has no HTTP; its repository is bound by
 * PersistenceModule (two-factor.persistence.ts).
 */
export const TWO_FACTOR_CONTROLLERS: Type<unknown>[] = [AccountTwoFactorController, LoginTwoFactorController];

export const TWO_FACTOR_PROVIDERS: Provider[] = [
  TwoFactorPageLocals,
  { provide: APP_GUARD, useClass: RequireAdminTwoFactorGuard },
];
