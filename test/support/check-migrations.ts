/** Runs `check-migrations` in-process, collecting what it prints and its exit code. */
import { checkMigrationsCommand } from '../../src/cli/check-migrations.js';

export async function runCheckMigrations(...args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await checkMigrationsCommand(args, {
    stdout: (s) => (stdout += s),
    stderr: (s) => (stderr += s),
  });
  return { code, stdout, stderr };
}
