import { Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { ApiTokensService } from '../../api-tokens/api-tokens.service';
import { FormLocalsProvider } from '../../common/decorators/form-view.decorator';
import { UnauthenticatedError } from '../../common/errors/unauthenticated.error';
import { TwoFactorService } from '../two-factor/two-factor.service';

/** Locals for views/account/index.hbs: the account, its two-factor status and its API tokens. */
@Injectable()
export class AccountPageLocals implements FormLocalsProvider {
  constructor(
    private readonly twoFactor: TwoFactorService,
    private readonly apiTokens: ApiTokensService,
  ) {}

  async load(req: Request): Promise<Record<string, unknown>> {
    const user = req.user;
    if (!user) throw new UnauthenticatedError();
    const [twoFactor, tokens] = await Promise.all([this.twoFactor.status(user.id), this.apiTokens.list(user)]);
    return {
      pageTitle: 'Your account',
      account: user,
      twoFactor,
      tokens,
      tokenMaxDays: this.apiTokens.maxDays,
      tokenDefaultDays: this.apiTokens.defaultDays,
      tokenRevoked: req.query?.revoked === '1',
    };
  }
}
