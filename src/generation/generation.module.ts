import { Module } from '@nestjs/common';
import { UsersModule } from '../users/users.module';
import { AppConfig } from '../config/app-config';
import { AdminJobsController } from './controllers/admin-jobs.controller';
import { GenerateFormLocals } from './controllers/generate-form.locals';
import { GenerationController } from './controllers/generation.controller';
import { JobApiController } from './controllers/job-api.controller';
import { JobsApiController } from './controllers/jobs-api.controller';
import { JobResultSection } from './controllers/job-result-section';
import { UsageAdminController, UsagePageLocals } from './controllers/usage-admin.controller';
import { DraftsService } from './drafts/drafts.service';
import { MarkdownRenderer } from './drafts/markdown-renderer';
import { OpenApiController, OpenApiDocument } from './openapi/openapi';
import { JobProcessor } from './jobs/job-processor.service';
import { JobRunner } from './jobs/job-runner.service';
import { JobsService } from './jobs/jobs.service';
import { GenerationProvider } from './providers/generation-provider';
import { OfflineProvider } from './providers/offline.provider';
import { OpenAiProvider } from './providers/openai.provider';
import { QcService } from './qc/qc.service';
import { QuotaOverrideService } from './usage/quota-override.service';
import { QuotaService } from './usage/quota.service';
import { UsageReportService } from './usage/usage-report.service';

/**
 * Generation (SPEC §4, §7, §8): jobs in the background, offline/OpenAI providers, manifests, QC,
 * zips, the jobs dashboard, and daily quotas with a usage ledger. Its repositories (JobsRepository,
 * JobQueue, ArtifactStore, UsageLedgerRepository) come from the global PersistenceModule
 * (persistence/generation.persistence.ts). QuotaService is exported so the landing page can show what
 * is left today.
 */
@Module({
  imports: [UsersModule],
  controllers: [
    GenerationController,
    JobApiController,
    JobsApiController,
    OpenApiController,
    AdminJobsController,
    UsageAdminController,
  ],
  providers: [
    {
      provide: GenerationProvider,
      inject: [AppConfig],
      useFactory: (config: AppConfig): GenerationProvider =>
        config.generationProvider === 'openai' ? new OpenAiProvider(config) : new OfflineProvider(),
    },
    QcService,
    MarkdownRenderer,
    DraftsService,
    JobResultSection,
    QuotaService,
    QuotaOverrideService,
    UsageReportService,
    JobProcessor,
    JobRunner,
    JobsService,
    GenerateFormLocals,
    UsagePageLocals,
    OpenApiDocument,
  ],
  exports: [QuotaService],
})
export class GenerationModule {}
