import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (two levels above this file), whatever the cwd. */
export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const CORPUS = resolve(REPO, 'test/corpus/har');
/** Real HARs: env FAULTLINE_REAL_HAR_DIR, else ../shared/corpus/real-har beside the repository. */
export function realHarDir(): string | null {
  const env = process.env.FAULTLINE_REAL_HAR_DIR;
  const dir = env ? resolve(REPO, env) : resolve(REPO, '../shared/corpus/real-har');
  return existsSync(dir) ? dir : null;
}
