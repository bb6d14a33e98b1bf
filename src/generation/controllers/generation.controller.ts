import {
  Body,
  Controller,
  Get,
  InternalServerErrorException,
  Param,
  Post,
  Query,
  Render,
  Req,
  Res,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { CurrentUser } from '../../auth/decorators/current-user.decorator';
import { User } from '../../users/user.model';
import { FormView } from '../../common/decorators/form-view.decorator';
import { clientIp } from '../../common/http/request-info';
import { DraftsService } from '../drafts/drafts.service';
import { DeleteJobDto, GenerateDto, isConfirmed } from '../dto/generation-forms.dto';
import { isTerminal } from '../jobs/job';
import { JobsService } from '../jobs/jobs.service';
import { JobIdPipe } from '../pipes/job-id.pipe';
import { QuotaService } from '../usage/quota.service';
import { GenerateFormLocals } from './generate-form.locals';
import { JobResultSection } from './job-result-section';
import { jobRow } from './job-views';
import { ZipResponse } from './zip-response';

/** The user's side of generation: submit a brief, follow the job, download the pack. */
@Controller()
export class GenerationController {
  private readonly zip = new ZipResponse();

  constructor(
    private readonly jobs: JobsService,
    private readonly drafts: DraftsService,
    private readonly quota: QuotaService,
    private readonly section: JobResultSection,
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

  /** Newest first, 50 a page; `?before=<cursor>` continues (a bad cursor is a 400 page). */
  @Get('jobs')
  @Render('generation/jobs')
  async list(@CurrentUser() user: User, @Query('before') before?: string) {
    const [page, quota] = await Promise.all([this.jobs.listOwn(user, { before }), this.quota.status(user)]);
    return { pageTitle: 'My jobs', jobs: page.jobs.map(jobRow), nextCursor: page.nextCursor, paged: !!before, quota };
  }

  /** Refreshes itself (meta refresh, no script) while the job is queued or running. */
  @Get('result/:jobId')
  @Render('generation/result')
  async result(@Param('jobId', JobIdPipe) id: string, @CurrentUser() user: User) {
    const job = await this.jobs.findVisible(id, user);
    const jobSection = await this.section.html(job, await this.jobs.manifestIfAny(job));
    const active = !isTerminal(job.status);
    return { pageTitle: 'Job result', refreshSeconds: active ? 2 : undefined, jobId: job.id, active, jobSection };
  }

  /** Deletes a finished job (owner or admin) and goes back to /jobs; 409 while it is queued or running. */
  @Post('result/:jobId/delete')
  async delete(
    @Param('jobId', JobIdPipe) id: string,
    @Body() body: DeleteJobDto,
    @CurrentUser() user: User,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    await this.jobs.delete(id, user, clientIp(req), isConfirmed(body.confirm));
    res.redirect(303, '/jobs');
  }

  /** The draft's markdown, byte for byte as the manifest hashes it (declared before `:n`, which would match `1.md`). */
  @Get('result/:jobId/drafts/:n.md')
  async draftFile(
    @Param('jobId', JobIdPipe) id: string,
    @Param('n') n: string,
    @CurrentUser() user: User,
    @Res() res: Response,
  ): Promise<void> {
    const file = await this.drafts.file(id, n, user);
    res.status(200);
    res.setHeader('Content-Type', 'text/markdown; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="${file.fileName.replace(/["\\\r\n]/g, '')}"`);
    res.setHeader('Cache-Control', 'no-store');
    res.end(file.content);
  }

  /** Draft `n` (1-based) rendered from markdown; raw HTML in it is shown as text. */
  @Get('result/:jobId/drafts/:n')
  @Render('generation/draft')
  async draft(@Param('jobId', JobIdPipe) id: string, @Param('n') n: string, @CurrentUser() user: User) {
    const draft = await this.drafts.page(id, n, user);
    return { pageTitle: draft.title, draft };
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
