import { Injectable, PipeTransform } from '@nestjs/common';
import { isJobId } from '../jobs/job';
import { JobNotFoundError } from '../jobs/jobs.service';

/** `:jobId` must be a UUID; anything else (`..%2Fusers`, `x.json`) is a 404 before any file is touched. */
@Injectable()
export class JobIdPipe implements PipeTransform<unknown, string> {
  transform(value: unknown): string {
    const id = typeof value === 'string' ? value.toLowerCase() : '';
    if (!isJobId(id)) throw new JobNotFoundError();
    return id;
  }
}
