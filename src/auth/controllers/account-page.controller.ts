import { Controller, Get, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { AccountPageLocals } from './account-page.locals';

/** GET /account (SPEC §4): who you are, your two-factor status and API tokens, links to change them. */
@Controller('account')
export class AccountPageController {
  constructor(private readonly page: AccountPageLocals) {}

  @Get()
  async show(@Req() req: Request, @Res() res: Response): Promise<void> {
    res.render('account/index', await this.page.load(req));
  }
}
