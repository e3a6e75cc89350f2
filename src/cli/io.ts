/**
 * The command line's only contact with the machine: output, environment, clock, files, folders and stdin.
 * `main` takes an Io, so tests can run it in-process and watch what it reads.
 */
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

export interface Io {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  env: Record<string, string | undefined>;
  now: () => number;
  /** The bytes of a file (`-`: stdin), chunk by chunk. Reading stops when the consumer stops iterating. */
  open: (path: string) => AsyncIterable<Uint8Array>;
  /** What a command-line path names (rejects like fs.stat when it is missing). */
  kind: (path: string) => Promise<'file' | 'dir'>;
  /** The .har files under a folder, recursively, sorted. */
  list: (dir: string) => Promise<string[]>;
}

/** Big enough that the per-chunk cost vanishes, small enough to stay in the CPU caches nearby. */
export const CHUNK = 1024 * 1024;

export function nodeIo(): Io {
  return {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    env: process.env,
    now: () => Date.now(),
    open: (path) => (path === '-' ? process.stdin : createReadStream(path, { highWaterMark: CHUNK })),
    kind: async (path) => (path === '-' ? 'file' : (await stat(path)).isDirectory() ? 'dir' : 'file'),
    list: async (dir) => {
      const found: string[] = [];
      for (const d of await readdir(dir, { withFileTypes: true, recursive: true })) {
        if ((d.isFile() || d.isSymbolicLink()) && /\.har$/i.test(d.name)) found.push(join(d.parentPath, d.name));
      }
      return found.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    },
  };
}
