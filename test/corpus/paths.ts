import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (two levels above this file), whatever the cwd. */
export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const CORPUS = resolve(REPO, 'test/corpus/har');

/**
 * Data that lives outside the repository (third-party captures, the research reference) is an optional extra:
 * used when present, skipped with one clear line when not. Each is found through an environment variable, else
 * beside the checkout in ../shared/ (this team's machines). A fresh clone elsewhere passes without either.
 */
export interface External {
  /** What it is, for the skip line. */
  what: string;
  env: string;
  /** Default location, relative to the repository root. */
  fallback: string;
}

export const REAL_HARS: External = {
  what: 'real HAR captures',
  env: 'FAULTLINE_REAL_HAR_DIR',
  fallback: '../shared/corpus/real-har',
};
export const REFERENCE: External = {
  what: 'the Alibaba services reference',
  env: 'FAULTLINE_REFERENCE_JSON',
  fallback: '../shared/reference/alibaba-services.json',
};

const noted = new Set<string>();

/** The path of an external data set, or null after printing (once per process) one line saying it was skipped. */
export function external(x: External): string | null {
  const env = process.env[x.env];
  const path = env ? resolve(REPO, env) : resolve(REPO, x.fallback);
  if (existsSync(path)) return path;
  if (!noted.has(x.env)) {
    noted.add(x.env);
    console.info(`skipped: ${x.what} not found at ${path} (optional; set ${x.env} to use them)`);
  }
  return null;
}

/** Real HARs: env FAULTLINE_REAL_HAR_DIR, else ../shared/corpus/real-har beside the repository; null when absent. */
export const realHarDir = (): string | null => external(REAL_HARS);
