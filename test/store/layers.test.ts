// Imports point down: the store and the engine take plain values, never command-line parsing.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { projectRoot } from '../helpers/home.js';

/** The src modules `entry` loads through static imports (type-only imports load nothing). */
function staticClosure(entry: string): Set<string> {
  const seen = new Set<string>();
  const todo = [resolve(projectRoot, 'src', entry)];
  while (todo.length > 0) {
    const file = todo.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const m of readFileSync(file, 'utf8').matchAll(/^(?:import|export)(?!\s+type\b)[^;]*?from\s+'(\.[^']+)\.js'/gm)) {
      const base = resolve(dirname(file), m[1]!);
      todo.push(existsSync(`${base}.ts`) ? `${base}.ts` : `${base}.tsx`);
    }
  }
  return new Set([...seen].map((f) => relative(join(projectRoot, 'src'), f)));
}

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.tsx?$/.test(e.name))
    .map((e) => join(e.parentPath, e.name));
}

describe('layers', () => {
  test('store and engine import neither commander, nor commands, nor views', () => {
    const offenders = ['store', 'engine'].flatMap((layer) =>
      sources(join(projectRoot, 'src', layer)).filter((f) =>
        /from '(commander|ink|react)'|from '(\.\.\/)+(commands|views)\//.test(readFileSync(f, 'utf8')),
      ),
    );
    assert.deepEqual(offenders, []);
  });

  test('argv rewriting (Guild -Fo, Accio -name=) lives in src/commands', () => {
    const rewriters = ['store', 'engine'].flatMap((layer) =>
      sources(join(projectRoot, 'src', layer)).filter((f) => /normalize(GuildArgs|SingleDashFlags)/.test(readFileSync(f, 'utf8'))),
    );
    assert.deepEqual(rewriters, []);
  });

  // Startup is the listing commands' cost: they load what they show, not what other subcommands
  // (stop, set-meta, delete), Slurm's answer or a filter need; those load when used.
  test('runs, runs info, ls and cat load no executor, sweep writer, Slurm client, editor or filter language', () => {
    const heavy = ['engine/executor.ts', 'engine/batch.ts', 'engine/stop.ts', 'engine/edits.ts', 'engine/plan.ts', 'engine/slurm/cli.ts', 'engine/slurm/job-ends.ts', 'store/run-filters.ts', 'store/filter/index.ts'];
    for (const entry of ['commands/runs.ts', 'commands/runs-info.ts', 'commands/ls.ts', 'commands/cat.ts']) {
      const loaded = staticClosure(entry);
      assert.deepEqual(heavy.filter((m) => loaded.has(m)), [], entry);
    }
  });
});
