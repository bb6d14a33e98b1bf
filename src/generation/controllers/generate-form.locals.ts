import { Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { FormLocalsProvider } from '../../common/decorators/form-view.decorator';
import { QuotaService } from '../usage/quota.service';

/** What the home form needs when POST /generate is refused (400/429): the user's quota, freshly read. */
@Injectable()
export class GenerateFormLocals implements FormLocalsProvider {
  constructor(private readonly quota: QuotaService) {}

  async load(req: Request): Promise<Record<string, unknown>> {
    return { quota: req.user ? await this.quota.status(req.user) : null };
  }
}
