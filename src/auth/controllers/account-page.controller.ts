import { Controller, Get, Render } from '@nestjs/common';
import { User } from '../../users/user.model';
import { CurrentUser } from '../decorators/current-user.decorator';
import { TwoFactorService } from '../two-factor/two-factor.service';

/** GET /account (SPEC §4): who you are, your two-factor status, links to change them. */
@Controller('account')
export class AccountPageController {
  constructor(private readonly twoFactor: TwoFactorService) {}

  @Get()
  @Render('account/index')
  async show(@CurrentUser() user: User) {
    return { pageTitle: 'Your account', account: user, twoFactor: await this.twoFactor.status(user.id) };
  }
}
