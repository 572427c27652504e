// Compare's overlay plot and seed groups in the App (ink-testing-library) over the fixture home.
import { test, describe, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { render, cleanup } from 'ink-testing-library';
import { App } from '../../src/app.js';
import { writeAttr } from '../../src/store/attrs.js';
import { copyFixtureHome } from '../helpers/home.js';
import { typeKeys, waitForFrame, KEY } from './helpers.js';

const FEED = { debounceMs: 20, pollMs: 60_000, runningMs: 60_000 };

afterEach(() => cleanup());

const open = (columns: number, rows: number, env: Record<string, string>, home = copyFixtureHome()) =>
  render(<App home={home} readonly={false} projectDir="/nonexistent" size={{ columns, rows }} feed={FEED} env={env} />);

/** The four runs compared, given flags that make seed groups: two runs of lr 0.1, one of lr 0.2, one of lr 0.3. */
function seededHome(): string {
  const home = copyFixtureHome();
  const ids = ['d79e4010', '13f6d5be', 'd87d76a9', '46993680'];
  const dirs = readdirSync(join(home, 'runs'));
  ids.forEach((prefix, i) => {
    const dir = join(home, 'runs', dirs.find((d) => d.startsWith(prefix))!);
    writeAttr(dir, 'flags', { lr: [0.1, 0.1, 0.2, 0.3][i]!, seed: i + 1 });
    writeAttr(dir, 'label', `seed ${i + 1}`);
  });
  return home;
}

async function compareFour(stdin: { write(s: string): void }, lastFrame: () => string | undefined) {
  await waitForFrame(lastFrame, /20\/20 runs/);
  await typeKeys(stdin, '/train.py', KEY.enter);
  await waitForFrame(lastFrame, /FILTER/);
  // the batch 479f4462 and the staged 2f7d9dae left out (a batch compares as its trials, as grun compare shows it)
  await typeKeys(stdin, ' ', ' ', ' ', 'j', 'j', ' ');
  await waitForFrame(lastFrame, /4 marked/);
  await typeKeys(stdin, 'c');
  await waitForFrame(lastFrame, /compare 4 runs/);
}

describe('dashboard: compare plot', () => {
  for (const [columns, rows] of [[80, 24], [220, 60]] as const) {
    test(`${columns}x${rows} NO_COLOR: p overlays the first scalar not epoch/step, markers and ids in the legend; ↓ picks the next; L logs`, async () => {
      const { lastFrame, stdin } = open(columns, rows, { NO_COLOR: '1' });
      await compareFour(stdin, lastFrame);
      await typeKeys(stdin, 'p');
      let f = await waitForFrame(lastFrame, /compare 4 runs: acc \d\/\d  y:linear  x:step/);
      // the legend: four markers, each with a run id
      assert.match(f, /● [0-9a-f]{8}  × [0-9a-f]{8}  \+ [0-9a-f]{8}  ○ [0-9a-f]{8}/);
      const lines = f.split('\n');
      assert.ok(lines.length <= rows - 1, `${lines.length} lines`);
      assert.ok(lines.every((l) => [...l].length <= columns), 'no line wider than the terminal');
      // the plot fills the height: its x axis line is just above the footer
      assert.ok(lines.filter((l) => /┤/.test(l)).length >= rows - 10, 'the plot takes the height');
      await typeKeys(stdin, KEY.down, KEY.down);
      f = await waitForFrame(lastFrame, /compare 4 runs: loss \d\/\d  y:linear/);
      await typeKeys(stdin, 'L');
      f = await waitForFrame(lastFrame, /compare 4 runs: loss \d\/\d  y:log/);
      await typeKeys(stdin, 'X');
      await waitForFrame(lastFrame, /x:time/);
      await typeKeys(stdin, 'p');
      await waitForFrame(lastFrame, /· operation/);
    });
  }

  test('colour: each run its own colour, legend lines painted alike', async () => {
    const { lastFrame, stdin } = open(120, 30, {});
    await compareFour(stdin, lastFrame);
    await typeKeys(stdin, 'p');
    const f = await waitForFrame(lastFrame, /: acc \d/);
    for (const sgr of ['36', '35', '33', '32']) assert.match(f, new RegExp(`\\x1b\\[${sgr}m━`), `legend colour ${sgr}`);
    assert.ok(stripVTControlCharacters(f).split('\n').every((l) => [...l].length <= 120));
  });

  test('b: seed groups in the table (mean ± std (n)) and in the plot (mean and band)', async () => {
    const { lastFrame, stdin } = open(160, 40, { NO_COLOR: '1' }, seededHome());
    await compareFour(stdin, lastFrame);
    await typeKeys(stdin, 'b');
    let f = await waitForFrame(lastFrame, /compare 4 runs, 3 seed groups \(mean ± std \(n\)\)/);
    assert.match(f, /^ +lr=0\.1 +lr=0\.2 +lr=0\.3$/m, 'groups named by what tells them apart (one operation)');
    assert.match(f, /≠ runs +2 +1 +1/);
    assert.match(f, /≠ seed +\* +3 +4/);
    // the two runs' mean ± sample std of their last acc (0.8333 and 0.9444 in the fixture)
    assert.match(f, /last acc +0\.88885 ± 0\.0786 \(2\)/);
    await typeKeys(stdin, 'p');
    f = await waitForFrame(lastFrame, /seed groups: acc \d\/\d  y:linear  x:step  mean, min–max band/);
    assert.match(f, /● lr=0\.1 \(2\)  × lr=0\.2 \(1\)  \+ lr=0\.3 \(1\)/);
  });
});
