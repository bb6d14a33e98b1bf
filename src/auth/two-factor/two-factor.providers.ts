import { Provider, Type } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AccountTwoFactorController } from './controllers/account-two-factor.controller';
import { LoginTwoFactorController } from './controllers/login-two-factor.controller';
import { RequireAdminTwoFactorGuard } from './require-admin-two-factor.guard';
import { SecretBox } from './secret-box';
import { Totp } from './totp';
import { TwoFactorPageLocals } from './two-factor-page.locals';
import { TwoFactorService } from './two-factor.service';

/**
 * Two-factor login's part of AuthModule (it shares the login lockout and the session secret there).
 * Its repository is bound by PersistenceModule (two-factor.persistence.ts).
 */
export const TWO_FACTOR_CONTROLLERS: Type<unknown>[] = [AccountTwoFactorController, LoginTwoFactorController];

export const TWO_FACTOR_PROVIDERS: Provider[] = [
  Totp,
  SecretBox,
  TwoFactorService,
  TwoFactorPageLocals,
  { provide: APP_GUARD, useClass: RequireAdminTwoFactorGuard },
];
