import { ForbiddenException, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { FormLocalsProvider } from '../common/decorators/form-view.decorator';
import { linkOrigin } from '../common/http/request-info';
import { AppConfig } from '../config/app-config';
import { AdminService } from './admin.service';

/**
 * Locals for views/admin/panel.hbs, used by GET /admin and by the exception filter when a panel
 * form is refused (so the whole panel re-renders around the error).
 */
@Injectable()
export class AdminPanelLocals implements FormLocalsProvider {
  constructor(
    private readonly admin: AdminService,
    private readonly config: AppConfig,
  ) {}

  async load(req: Request): Promise<Record<string, unknown>> {
    const viewer = req.user;
    if (!viewer || viewer.role !== 'admin') throw new ForbiddenException('You do not have access to this page.');
    const origin = linkOrigin(req, this.config.publicUrl, `${this.config.host}:${this.config.port}`);
    const panel = await this.admin.panel(viewer, origin);
    return {
      pageTitle: 'Admin',
      ...panel,
      // Field errors and typed values belong to the mint form only when the mint form was sent.
      mintFailed: req.method === 'POST' && req.path === '/admin/invites',
    };
  }
}
