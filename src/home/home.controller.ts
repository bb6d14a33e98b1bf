import { Controller, Get, Query, Render } from '@nestjs/common';
import { Public } from '../auth/decorators/public.decorator';

@Controller()
export class HomeController {
  @Public()
  @Get()
  @Render('home/index')
  index(@Query('welcome') welcome?: string) {
    return { welcome: welcome === '1' };
  }
}
