import { Controller, Get, Param, Post, Query, Render, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { CurrentUser } from '../../auth/decorators/current-user.decorator';
import { Roles } from '../../auth/decorators/roles.decorator';
import { User } from '../../users/user.model';
import { clientIp } from '../../common/http/request-info';
import { JobsService } from '../jobs/jobs.service';
import { JobIdPipe } from '../pipes/job-id.pipe';
import { jobPage, jobRow } from './job-views';

export const ADMIN_JOBS_PER_PAGE = 50;

/** Jobs dashboard (admin): every job, a readable manifest, and "re-run QC". */
@Controller('admin/jobs')
@Roles('admin')
export class AdminJobsController {
  constructor(private readonly jobs: JobsService) {}

  @Get()
  @Render('generation/admin-jobs')
  async list(@Query('page') pageParam?: string) {
    const page = await this.jobs.listAll(pageParam, ADMIN_JOBS_PER_PAGE);
    return { pageTitle: 'Jobs', ...page, jobs: page.jobs.map(jobRow) };
  }

  @Get(':jobId')
  @Render('generation/admin-job')
  async show(@Param('jobId', JobIdPipe) id: string, @CurrentUser() user: User, @Query('qc') qc?: string) {
    const job = await this.jobs.findVisible(id, user);
    return { pageTitle: 'Job manifest', qcRerun: qc === '1', ...jobPage(job, await this.jobs.manifestIfAny(job)) };
  }

  /** Recomputes QC from the files on disk, rewrites the manifest, records `job.qc_rerun`; 409 while running. */
  @Post(':jobId/qc')
  async rerunQc(
    @Param('jobId', JobIdPipe) id: string,
    @CurrentUser() user: User,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    await this.jobs.rerunQc(id, user, clientIp(req));
    res.redirect(303, `/admin/jobs/${id}?qc=1`);
  }
}
