import { Controller, Get, Header, Res } from '@nestjs/common';
import type { Response } from 'express';
import { Public } from '../auth/decorators/public.decorator';
import { StoreHealth } from '../persistence/store-health';

export type HealthStatus = { status: 'ok' } | { status: 'unavailable' };

/** SPEC §10: 200 only when the store can be read and written right now; 503 otherwise. */
@Controller('healthz')
export class HealthController {
  constructor(private readonly store: StoreHealth) {}

  @Public()
  @Get()
  @Header('Cache-Control', 'no-store')
  async health(@Res({ passthrough: true }) res: Response): Promise<HealthStatus> {
    if (await this.store.healthy()) return { status: 'ok' };
    res.status(503);
    return { status: 'unavailable' };
  }
}
