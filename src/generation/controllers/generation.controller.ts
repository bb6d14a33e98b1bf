import { Body, Controller, Get, InternalServerErrorException, Param, Post, Render, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { CurrentUser } from '../../auth/decorators/current-user.decorator';
import { User } from '../../users/user.model';
import { FormView } from '../../common/decorators/form-view.decorator';
import { clientIp } from '../../common/http/request-info';
import { GenerateDto } from '../dto/generation-forms.dto';
import { JobsService } from '../jobs/jobs.service';
import { JobIdPipe } from '../pipes/job-id.pipe';
import { QuotaService } from '../usage/quota.service';
import { GenerateFormLocals } from './generate-form.locals';
import { jobPage, jobRow } from './job-views';
import { ZipResponse } from './zip-response';

/** The user's side of generation: submit a brief, follow the job, download the pack. */
@Controller()
export class GenerationController {
  private readonly zip = new ZipResponse();

  constructor(
    private readonly jobs: JobsService,
    private readonly quota: QuotaService,
  ) {}

  /** Creates the job and answers at once (303 to its page); generation happens in the background. */
  @Post('generate')
  @FormView('home/index', GenerateFormLocals)
  async generate(
    @Body() body: GenerateDto,
    @CurrentUser() user: User,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const job = await this.jobs.create(user, { prompt: body.prompt, count: body.count }, clientIp(req));
    res.redirect(303, `/result/${job.id}`);
  }

  @Get('jobs')
  @Render('generation/jobs')
  async list(@CurrentUser() user: User) {
    const [jobs, quota] = await Promise.all([this.jobs.listOwn(user), this.quota.status(user)]);
    return { pageTitle: 'My jobs', jobs: jobs.map(jobRow), quota };
  }

  /** Refreshes itself (meta refresh, no script) while the job is queued or running. */
  @Get('result/:jobId')
  @Render('generation/result')
  async result(@Param('jobId', JobIdPipe) id: string, @CurrentUser() user: User) {
    const job = await this.jobs.findVisible(id, user);
    const page = jobPage(job, await this.jobs.manifestIfAny(job));
    return { pageTitle: 'Job result', refreshSeconds: page.active ? 2 : undefined, ...page };
  }

  @Get('download/:jobId.zip')
  async download(
    @Param('jobId', JobIdPipe) id: string,
    @CurrentUser() user: User,
    @Res() res: Response,
  ): Promise<void> {
    const contents = await this.jobs.zipFor(id, user);
    try {
      await this.zip.stream(res, contents);
    } catch (error) {
      if (res.headersSent) throw error;
      throw new InternalServerErrorException('Some files of this job could not be read; re-run QC to see which.');
    }
  }
}
