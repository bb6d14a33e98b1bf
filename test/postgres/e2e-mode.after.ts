// setupFilesAfterEnv of the `e2e-postgres` jest project: drop the test file's databases after it.
import { dropE2eDatabases } from '../helpers/e2e-databases';

afterAll(() => dropE2eDatabases());
