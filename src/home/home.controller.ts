import { Controller, Get, Query, Render } from '@nestjs/common';
import { CurrentUser } from '../auth/decorators/current-user.decorator';
import { Public } from '../auth/decorators/public.decorator';
import { User } from '../users/user.model';
import { QuotaService } from '../generation/usage/quota.service';

@Controller()
export class HomeController {
  constructor(private readonly quota: QuotaService) {}

  /** Landing page; logged-in users get the generation form and what is left of today's drafts. */
  @Public()
  @Get()
  @Render('home/index')
  async index(@Query('welcome') welcome?: string, @CurrentUser() user?: User) {
    return { welcome: welcome === '1', quota: user ? await this.quota.status(user) : null };
  }
}
