/**
 * The command line's only contact with the machine: output, environment, clock, files, folders and stdin.
 * `main` takes an Io, so tests can run it in-process and watch what it reads.
 */
import { open, readdir, stat } from 'node:fs/promises';
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

/** Big enough that the per-chunk cost vanishes; two of them are all the file reading ever holds. */
export const CHUNK = 1024 * 1024;

export function nodeIo(): Io {
  return {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    env: process.env,
    now: () => Date.now(),
    open: (path) => (path === '-' ? process.stdin : readChunks(path)),
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

/**
 * A file's bytes in CHUNK-sized pieces through two buffers used in turn: the next read runs while the consumer
 * works on the current chunk, and no chunk is allocated per read. The consumer must be done with a chunk when it
 * asks for the next one (the HAR reader copies whatever it keeps).
 */
async function* readChunks(path: string): AsyncGenerator<Uint8Array> {
  const fh = await open(path, 'r');
  const bufs = [Buffer.allocUnsafe(CHUNK), Buffer.allocUnsafe(CHUNK)];
  let k = 0;
  let pending = fh.read(bufs[0]!, 0, CHUNK, null);
  try {
    for (;;) {
      const { bytesRead } = await pending;
      if (bytesRead === 0) return;
      const chunk = bufs[k]!.subarray(0, bytesRead);
      k ^= 1;
      pending = fh.read(bufs[k]!, 0, CHUNK, null);
      yield chunk;
    }
  } finally {
    await pending.catch(() => undefined); // the read ahead, when the consumer stopped early
    await fh.close();
  }
}
