import { Controller, Get, Param } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCookieAuth,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { CurrentUser } from '../../auth/decorators/current-user.decorator';
import { User } from '../../users/user.model';
import { Manifest } from '../artifacts/manifest';
import { JobsService } from '../jobs/jobs.service';
import { ErrorJson, JobStatusJson, ManifestJson } from '../dto/job-api.dto';
import { BEARER_SCHEME, SESSION_SCHEME } from '../openapi/openapi';
import { JobIdPipe } from '../pipes/job-id.pipe';
import { jobJson } from './job-views';

/** JSON for scripts and tests: 401 anonymous, 404 for other users' jobs and non-UUID ids. */
@Controller('api/job')
@ApiTags('jobs')
@ApiCookieAuth(SESSION_SCHEME)
@ApiBearerAuth(BEARER_SCHEME)
@ApiParam({ name: 'jobId', schema: { type: 'string', format: 'uuid' } })
@ApiUnauthorizedResponse({ description: 'Not logged in', type: ErrorJson })
@ApiNotFoundResponse({ description: 'No such job, or not yours', type: ErrorJson })
export class JobApiController {
  constructor(private readonly jobs: JobsService) {}

  @Get(':jobId')
  @ApiOperation({ summary: 'A job’s status' })
  @ApiOkResponse({ type: JobStatusJson })
  async status(@Param('jobId', JobIdPipe) id: string, @CurrentUser() user: User) {
    const job = await this.jobs.findVisible(id, user);
    return jobJson(job, await this.jobs.manifestIfAny(job));
  }

  /** 409 until the job has finished. */
  @Get(':jobId/manifest')
  @ApiOperation({ summary: 'A finished job’s manifest' })
  @ApiOkResponse({ type: ManifestJson })
  @ApiConflictResponse({ description: 'The job has not finished yet', type: ErrorJson })
  async manifest(@Param('jobId', JobIdPipe) id: string, @CurrentUser() user: User): Promise<Manifest> {
    return (await this.jobs.manifestFor(id, user)).manifest;
  }
}
