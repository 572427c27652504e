// Shared by the engine end-to-end tests: temp projects, the real built binary, polling.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { grunBin, tempDir } from '../helpers/home.js';

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** A temp project directory holding `files`. */
export function project(files: Record<string, string>): string {
  const dir = tempDir('grun-proj-');
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

export function childEnv(home: string, env: Record<string, string> = {}): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env, GUILD_HOME: home, ...env };
  delete e.NODE_ENV;
  return e;
}

/** Runs `grun ARGS` to its end (stdin not a terminal). */
export function grun(args: string[], o: { cwd: string; home: string; env?: Record<string, string> }): Promise<Result> {
  return new Promise((resolve) => {
    execFile(grunBin, args, { cwd: o.cwd, env: childEnv(o.home, o.env), timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Starts `grun ARGS` and returns the process (for signals mid-run) and its collected output. */
export function grunSpawn(
  args: string[],
  o: { cwd: string; home: string },
): { proc: ChildProcess; done: Promise<Result> } {
  const proc = spawn(grunBin, args, { cwd: o.cwd, env: childEnv(o.home), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  proc.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
  proc.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const done = new Promise<Result>((resolve) =>
    proc.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr })),
  );
  return { proc, done };
}

export function runIds(home: string): string[] {
  try {
    return readdirSync(join(home, 'runs'));
  } catch {
    return [];
  }
}

export function onlyRunDir(home: string): string {
  const ids = runIds(home);
  if (ids.length !== 1) throw new Error(`expected one run in ${home}, found ${ids.length}`);
  return join(home, 'runs', ids[0]!);
}

export function attr(runDir: string, name: string): string | null {
  const p = join(runDir, '.guild', 'attrs', name);
  return existsSync(p) ? readFileSync(p, 'utf8') : null;
}

export async function waitFor(what: string, cond: () => boolean, ms = 15_000): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

/** A script that prints `ready`, then sleeps in 0.1 s steps (`steps` is its flag). */
export const SLEEPER = `import time
steps = 300
print("ready")
for _ in range(steps):
    time.sleep(0.1)
print("done")
`;

/** True once the run's output holds `text`. */
export function outputHas(runDir: string, text: string): boolean {
  const p = join(runDir, '.guild', 'output');
  return existsSync(p) && readFileSync(p, 'utf8').includes(text);
}
