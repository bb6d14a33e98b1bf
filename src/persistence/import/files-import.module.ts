import { Module } from '@nestjs/common';
import { ApiTokensImportStep } from './api-tokens-import.step';
import { FilesImport } from './files-import.service';
import { GenerationImportStep } from './generation-import.step';
import { IMPORT_STEPS } from './import-steps';
import { TwoFactorImportStep } from './two-factor-import.step';

/**
 * `import-files` (STORE=postgres only: it needs Database and the postgres repositories, which
 * PersistenceModule binds globally). The CLI imports it in postgres mode.
 */
@Module({
  providers: [
    FilesImport,
    GenerationImportStep,
    TwoFactorImportStep,
    ApiTokensImportStep,
    {
      provide: IMPORT_STEPS,
      inject: [GenerationImportStep, TwoFactorImportStep, ApiTokensImportStep],
      useFactory: (generation: GenerationImportStep, twoFactor: TwoFactorImportStep, tokens: ApiTokensImportStep) => [
        generation,
        twoFactor,
        tokens,
      ],
    },
  ],
  exports: [FilesImport],
})
export class FilesImportModule {}
