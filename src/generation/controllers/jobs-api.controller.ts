import { Body, Controller, Get, HttpCode, Post, Query, Req } from '@nestjs/common';
import type { Request } from 'express';
import { CurrentUser } from '../../auth/decorators/current-user.decorator';
import { DomainError } from '../../common/errors/domain-error';
import { clientIp } from '../../common/http/request-info';
import { User } from '../../users/user.model';
import { GenerateDto } from '../dto/generation-forms.dto';
import { JobsService } from '../jobs/jobs.service';
import { jobJson, jobListJson } from './job-views';

/**
 * The jobs API for scripts (SPEC §4): the session cookie today (writes carry the `x-csrf-token`
 * header), bearer tokens next. Every error is JSON `{"error": ...}` (the exception filter answers JSON
 * for /api).
 */
@Controller('api/jobs')
export class JobsApiController {
  constructor(private readonly jobs: JobsService) {}

  /** Own jobs, newest first; `limit` 1–100 (default 50), `before` = a previous page's `next_cursor`. */
  @Get()
  async list(@CurrentUser() user: User, @Query('limit') limit?: string, @Query('before') before?: string) {
    if (limit !== undefined && !/^\d{1,3}$/.test(limit)) {
      throw new DomainError('invalid_input', 'limit must be a whole number from 1 to 100.', { field: 'limit' });
    }
    const page = await this.jobs.listOwn(user, { before, limit: limit === undefined ? undefined : Number(limit) });
    return jobListJson(page);
  }

  /** Creates a job from `{"prompt", "count"}` (same rules as the form): 201 with its status JSON; 429 over the quota. */
  @Post()
  @HttpCode(201)
  async create(@Body() body: GenerateDto, @CurrentUser() user: User, @Req() req: Request) {
    const job = await this.jobs.create(user, { prompt: body.prompt, count: body.count }, clientIp(req));
    return jobJson(job, undefined);
  }
}
