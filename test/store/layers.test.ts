// Imports point down: the store and the engine take plain values, never command-line parsing.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../helpers/home.js';

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
});
