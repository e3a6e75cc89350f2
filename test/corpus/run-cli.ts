/** Running the command line in tests: main() in-process, or the built bundle as a real process. */
import { spawnSync } from 'node:child_process';
import { nodeIo, type Io } from '../../src/cli/io';
import { main } from '../../src/cli/main';

/** main() in-process with the real files, stdout and stderr captured. */
export async function run(
  args: string[],
  env: Record<string, string> = {},
  io: Partial<Io> = {},
): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(args, {
    ...nodeIo(),
    env,
    stdout: (s) => (out += s),
    stderr: (s) => (err += s),
    ...io,
  });
  return { code, out, err };
}

/** A real process: `node BUNDLE ARGS` (or any command), English unless env says otherwise. */
export function spawn(
  cmd: string,
  args: string[],
  opts: { input?: string | Buffer; env?: Record<string, string>; cwd?: string } = {},
): { code: number | null; out: string; err: string } {
  const r = spawnSync(cmd, args, {
    cwd: opts.cwd,
    encoding: 'utf8',
    input: opts.input,
    env: { ...process.env, LANG: 'C', LC_ALL: '', LC_MESSAGES: '', ...opts.env },
    timeout: 120_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
