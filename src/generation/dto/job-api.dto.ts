import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { JobStatus } from '../jobs/job';

const STATUSES: JobStatus[] = ['queued', 'running', 'succeeded', 'failed'];

/** Shapes of the /api answers, for the OpenAPI document (the handlers build plain objects of these shapes). */
export class JobUsageJson {
  @ApiProperty({ example: 3 }) drafts: number;
  @ApiProperty({ example: 0 }) prompt_tokens: number;
  @ApiProperty({ example: 0 }) completion_tokens: number;
}

export class ManifestFileJson {
  @ApiProperty({ example: 'artifacts/01-remote-work.md' }) path: string;
  @ApiProperty() bytes: number;
  @ApiProperty({ description: 'hex SHA-256 of the file' }) sha256: string;
}

export class JobLinksJson {
  @ApiProperty({ example: '/result/<id>' }) result: string;
  @ApiProperty({ example: '/api/job/<id>/manifest' }) manifest: string;
  @ApiProperty({ example: '/download/<id>.zip' }) download: string;
}

export class JobStatusJson {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() owner: string;
  @ApiProperty({ enum: STATUSES }) status: JobStatus;
  @ApiProperty() prompt: string;
  @ApiProperty({ minimum: 1, maximum: 10 }) count: number;
  @ApiProperty({ example: 'offline' }) provider: string;
  @ApiProperty() model: string;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) started_at: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) finished_at: string | null;
  @ApiProperty({ nullable: true, type: String }) error: string | null;
  @ApiProperty({ type: JobUsageJson }) usage: JobUsageJson;
  @ApiProperty({ nullable: true, type: Boolean }) qc_passed: boolean | null;
  @ApiProperty({ type: [ManifestFileJson] }) files: ManifestFileJson[];
  @ApiProperty({ type: JobLinksJson }) links: JobLinksJson;
}

export class JobListItemLinksJson {
  @ApiProperty({ example: '/api/job/<id>' }) self: string;
  @ApiProperty({ example: '/result/<id>' }) result: string;
}

export class JobListItemJson {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: STATUSES }) status: JobStatus;
  @ApiProperty({ description: 'The first ~80 characters of the brief' }) brief: string;
  @ApiProperty() count: number;
  @ApiProperty() provider: string;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) finished_at: string | null;
  @ApiProperty({ nullable: true, type: Boolean }) qc_passed: boolean | null;
  @ApiProperty({ type: JobListItemLinksJson }) links: JobListItemLinksJson;
}

export class JobListLinksJson {
  @ApiPropertyOptional({ example: '/api/jobs?before=<id>' }) next?: string;
}

export class JobListJson {
  @ApiProperty({ type: [JobListItemJson], description: 'Newest first' }) jobs: JobListItemJson[];
  @ApiProperty({ nullable: true, type: String, description: 'Pass as `before` for the next page; null on the last' })
  next_cursor: string | null;
  @ApiProperty({ type: JobListLinksJson }) links: JobListLinksJson;
}

export class ManifestJson {
  @ApiProperty({ format: 'uuid' }) job_id: string;
  @ApiProperty() owner: string;
  @ApiProperty() prompt: string;
  @ApiProperty() count: number;
  @ApiProperty({ enum: STATUSES }) status: JobStatus;
  @ApiProperty() provider: string;
  @ApiProperty() model: string;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) started_at: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) finished_at: string | null;
  @ApiProperty({ nullable: true, type: String }) error: string | null;
  @ApiProperty({ type: JobUsageJson }) usage: JobUsageJson;
  @ApiProperty({ type: [ManifestFileJson] }) files: ManifestFileJson[];
  @ApiProperty({ description: 'QC report: {passed, checked_at, checks: [{name, passed, detail}]}' })
  qc: object;
}

export class ErrorJson {
  @ApiProperty({ example: 'No such job.' }) error: string;
  @ApiPropertyOptional({
    description: 'Field → messages, for a 400',
    example: { count: ['Choose between 1 and 10 drafts.'] },
  })
  fields?: Record<string, string[]>;
}

export class QuotaErrorJson extends ErrorJson {
  @ApiProperty({ description: 'Drafts per UTC day' }) limit: number;
  @ApiProperty() left: number;
  @ApiProperty() requested: number;
  @ApiProperty({ format: 'date-time', description: 'The next 00:00 UTC' }) resets_at: string;
}
