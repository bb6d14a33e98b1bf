import { Controller, Get, Param } from '@nestjs/common';
import { CurrentUser } from '../../auth/decorators/current-user.decorator';
import { User } from '../../users/user.model';
import { Manifest } from '../artifacts/manifest';
import { JobsService } from '../jobs/jobs.service';
import { JobIdPipe } from '../pipes/job-id.pipe';
import { jobJson } from './job-views';

/** JSON for scripts and tests: 401 anonymous, 404 for other users' jobs and non-UUID ids. */
@Controller('api/job')
export class JobApiController {
  constructor(private readonly jobs: JobsService) {}

  @Get(':jobId')
  async status(@Param('jobId', JobIdPipe) id: string, @CurrentUser() user: User) {
    const job = await this.jobs.findVisible(id, user);
    return jobJson(job, await this.jobs.manifestIfAny(job));
  }

  /** 409 until the job has finished. */
  @Get(':jobId/manifest')
  async manifest(@Param('jobId', JobIdPipe) id: string, @CurrentUser() user: User): Promise<Manifest> {
    return (await this.jobs.manifestFor(id, user)).manifest;
  }
}
