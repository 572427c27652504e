// Shared by the runs/compare/meta CLI tests: the real built binary run over a temp home.
import { spawnSync } from 'node:child_process';
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { grunBin } from '../helpers/home.js';

export interface CliResult {
  code: number;
  out: string;
  err: string;
}

/** `grun -H HOME ARGS` with TZ=UTC (started columns are local time) and stdin `input`. */
export function grun(home: string, args: string[], o: { input?: string; cwd?: string; env?: NodeJS.ProcessEnv } = {}): CliResult {
  const env: NodeJS.ProcessEnv = { ...process.env, TZ: 'UTC', NO_COLOR: '1', ...o.env };
  delete env.NODE_ENV;
  delete env.GUILD_HOME;
  const r = spawnSync(grunBin, ['-H', home, ...args], { encoding: 'utf8', env, input: o.input ?? '', cwd: o.cwd, timeout: 60_000 });
  return { code: r.status ?? 1, out: r.stdout, err: r.stderr };
}

/** A successful run: exit 0; returns stdout. */
export function ok(home: string, args: string[], o: { input?: string; cwd?: string; env?: NodeJS.ProcessEnv } = {}): string {
  const r = grun(home, args, o);
  assert.equal(r.code, 0, `grun ${args.join(' ')} failed (${r.code}): ${r.err}`);
  return r.out;
}

/** A successful run: exit 0; returns stderr (what a command says it did, as Guild says it there). */
export function okSaid(home: string, args: string[], o: { input?: string; cwd?: string; env?: NodeJS.ProcessEnv } = {}): string {
  const r = grun(home, args, o);
  assert.equal(r.code, 0, `grun ${args.join(' ')} failed (${r.code}): ${r.err}`);
  return r.err;
}

/** A failing run: non-zero exit, a `grun:` message matching `re`, and no stack trace. */
export function fails(home: string, args: string[], re: RegExp, o: { input?: string; cwd?: string; env?: NodeJS.ProcessEnv } = {}): CliResult {
  const r = grun(home, args, o);
  assert.notEqual(r.code, 0, `grun ${args.join(' ')} should fail; stdout: ${r.out}`);
  assert.match(r.err, re);
  assert.doesNotMatch(r.err, /\n\s+at .+:\d+:\d+/, 'no stack trace');
  return r;
}

/** Copies run `id` of a home to new ids (to grow a home past one page of listing). */
export function cloneRun(home: string, id: string, newIds: string[]): void {
  for (const n of newIds) cpSync(join(home, 'runs', id), join(home, 'runs', n), { recursive: true, verbatimSymlinks: true });
}

/** `[1:abcd1234]` ids of a listing, in order. */
export const listedShortIds = (out: string): string[] =>
  out
    .split('\n')
    .map((l) => /^\[\d+:([^\]]+)\]/.exec(l)?.[1])
    .filter((x): x is string => Boolean(x));
