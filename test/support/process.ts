import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { TEST_REDIS_KEY_PREFIX } from './redis-prefix.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Runs a TypeScript entry point of this repository in a child process (through tsx), its Redis keys under this run's prefix. */
export const spawnTs = (entry: string, args: string[], env: Record<string, string>): ChildProcess =>
  spawn(process.execPath, ['--import', 'tsx', entry, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', REDIS_KEY_PREFIX: TEST_REDIS_KEY_PREFIX, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });

/** Resolves with the first stdout line matching `test`, or rejects after `ms`. */
export const waitForLine = (child: ChildProcess, test: (line: string) => boolean, ms = 15_000): Promise<string> =>
  new Promise((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(() => reject(new Error(`no matching line within ${ms} ms; got: ${buffer}`)), ms);
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const line = buffer.split('\n').find(test);
      if (line) {
        clearTimeout(timer);
        resolve(line);
      }
    });
  });

export const exitOf = (child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve({ code: child.exitCode, signal: child.signalCode });
    else child.once('exit', (code, signal) => resolve({ code, signal }));
  });

/** Runs a TypeScript entry point to its end; answers its exit code and everything it printed. */
export const runTs = async (entry: string, args: string[], env: Record<string, string>) => {
  const child = spawnTs(entry, args, env);
  let [stdout, stderr] = ['', ''];
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const { code } = await exitOf(child);
  return { code, stdout, stderr };
};
