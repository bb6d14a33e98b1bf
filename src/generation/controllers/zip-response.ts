import { Logger } from '@nestjs/common';
import archiver from 'archiver';
import type { Response } from 'express';
import type { Readable } from 'node:stream';
import type { ZipContents } from '../jobs/jobs.service';

/** Streams a zip to the response with archiver (the HTTP edge): memory stays flat whatever the size of the job. */
export class ZipResponse {
  private readonly logger = new Logger('Zip');

  /**
   * Opens every entry first (a missing file throws before any byte is sent), then streams. Entries
   * are opened before the response starts; archiver reads them as the zip is written.
   */
  async stream(res: Response, { filename, entries }: ZipContents): Promise<void> {
    const opened: Array<{ name: string; source: Readable }> = [];
    try {
      for (const entry of entries) opened.push({ name: entry.name, source: await entry.open() });
    } catch (error) {
      for (const { source } of opened) source.destroy();
      throw error;
    }
    const archive = archiver('zip', { zlib: { level: 6 } });
    res.status(200);
    res.setHeader('Content-Type', 'application/zip');
    res.setHeader('Content-Disposition', `attachment; filename="${filename.replace(/["\\\r\n]/g, '')}"`);
    res.setHeader('Cache-Control', 'no-store');
    const done = new Promise<void>((resolve) => {
      res.on('close', resolve);
      res.on('finish', resolve);
    });
    archive.on('warning', (error) => this.logger.warn(`zip warning: ${error.message}`));
    archive.on('error', (error) => {
      this.logger.error(`zip failed: ${error.message}`);
      res.destroy(error);
    });
    res.on('close', () => {
      if (!res.writableFinished) archive.abort();
      for (const { source } of opened) source.destroy();
    });
    archive.pipe(res);
    for (const { name, source } of opened) archive.append(source, { name });
    // finalize() only says "no more entries"; the response closing is what tells us it is over.
    archive.finalize().catch(() => undefined);
    await done;
  }
}
