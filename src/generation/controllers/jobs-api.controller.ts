import { Body, Controller, Get, HttpCode, Post, Query, Req } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiCookieAuth,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiSecurity,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { Request } from 'express';
import { CurrentUser } from '../../auth/decorators/current-user.decorator';
import { DomainError } from '../../common/errors/domain-error';
import { clientIp } from '../../common/http/request-info';
import { User } from '../../users/user.model';
import { GenerateDto } from '../dto/generation-forms.dto';
import { ErrorJson, JobListJson, JobStatusJson, QuotaErrorJson } from '../dto/job-api.dto';
import { JobsService } from '../jobs/jobs.service';
import { BEARER_SCHEME, CSRF_SCHEME, SESSION_SCHEME } from '../openapi/openapi';
import { jobJson, jobListJson } from './job-views';

/**
 * The jobs API for scripts (SPEC §4): the session cookie today (writes carry the `x-csrf-token`
 * header), bearer tokens next. Every error is JSON `{"error": ...}` (the exception filter answers JSON
 * for /api).
 */
@Controller('api/jobs')
@ApiTags('jobs')
@ApiCookieAuth(SESSION_SCHEME)
@ApiBearerAuth(BEARER_SCHEME)
@ApiUnauthorizedResponse({ description: 'Not logged in', type: ErrorJson })
export class JobsApiController {
  constructor(private readonly jobs: JobsService) {}

  /** Own jobs, newest first; `limit` 1–100 (default 50), `before` = a previous page's `next_cursor`. */
  @Get()
  @ApiOperation({ summary: 'List your jobs, newest first' })
  @ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1, maximum: 100, default: 50 } })
  @ApiQuery({
    name: 'before',
    required: false,
    description: 'A previous page’s `next_cursor`',
    schema: { type: 'string', format: 'uuid' },
  })
  @ApiOkResponse({ type: JobListJson })
  @ApiBadRequestResponse({ description: 'A bad `limit` or `before`', type: ErrorJson })
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
  @ApiOperation({ summary: 'Create a job (queued; poll GET /api/job/{jobId})' })
  @ApiSecurity(CSRF_SCHEME)
  @ApiCreatedResponse({ type: JobStatusJson })
  @ApiBadRequestResponse({ description: 'Invalid input; `fields` names the field', type: ErrorJson })
  @ApiForbiddenResponse({ description: 'Missing or wrong CSRF token', type: ErrorJson })
  @ApiTooManyRequestsResponse({ description: 'Over the daily draft limit (Retry-After header)', type: QuotaErrorJson })
  async create(@Body() body: GenerateDto, @CurrentUser() user: User, @Req() req: Request) {
    const job = await this.jobs.create(user, { prompt: body.prompt, count: body.count }, clientIp(req));
    return jobJson(job, undefined);
  }
}
