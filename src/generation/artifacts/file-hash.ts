import { createHash } from 'node:crypto';

/** A draft's SHA-256 as the manifest records it (lowercase hex): written by the stores, checked by QC. */
export function fileSha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}
