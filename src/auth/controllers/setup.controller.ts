import { Body, Controller, Get, Post, Query, Render, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { FormView } from '../../common/decorators/form-view.decorator';
import { clientIp } from '../../common/http/request-info';
import { Public } from '../decorators/public.decorator';
import { SetupDto } from '../dto/auth-forms.dto';
import { SessionService } from '../session/session.service';
import { SetupService } from '../setup/setup.service';

/** SPEC §6.1: /admin/setup exists only while there is no admin. */
@Controller('admin/setup')
export class SetupController {
  constructor(
    private readonly setup: SetupService,
    private readonly sessions: SessionService,
  ) {}

  @Public()
  @Get()
  @Render('auth/setup')
  async form(@Query('token') token?: string) {
    await this.setup.assertOpen();
    return { pageTitle: 'Create the first admin', form: { values: { token: typeof token === 'string' ? token : '' } } };
  }

  @Public()
  @Post()
  @FormView('auth/setup')
  async create(@Body() body: SetupDto, @Req() req: Request, @Res() res: Response): Promise<void> {
    const user = await this.setup.createFirstAdmin(body.token, body.username, body.password, clientIp(req));
    await this.sessions.establish(req, user);
    res.redirect(303, '/admin');
  }
}
