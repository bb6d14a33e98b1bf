/** A data file exists but cannot be used. Start-up stops with this message; the file is left untouched. */
export class CorruptDataFileError extends Error {
  constructor(
    readonly filePath: string,
    reason: string,
  ) {
    super(`Data file ${filePath} is corrupt (${reason}); fix or move it away, it will not be overwritten`);
    this.name = 'CorruptDataFileError';
  }
}
