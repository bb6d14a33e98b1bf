import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from './app-config';
import { configWarnings } from './validate-env';

/**
 * Logs risky-but-valid settings once at start-up: in a single process, or in a cluster's primary
 * (GATEHOUSE_ROLE=runner), not in each web worker and not in the CLI.
 */
@Injectable()
export class ConfigWarnings implements OnApplicationBootstrap {
  private readonly logger = new Logger('Config');

  constructor(private readonly config: AppConfig) {}

  onApplicationBootstrap(): void {
    const role = process.env.GATEHOUSE_ROLE;
    if (role === 'web' || role === 'cli') return;
    for (const warning of configWarnings(this.config)) this.logger.warn(warning);
  }
}
