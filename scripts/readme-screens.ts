// Regenerates the README's dashboard screens: makes a demo project and Guild home in a temp dir
// with real runs (a 6-trial grid, three seeds of one setting, a random search, a pipeline),
// drives the real `bin/grun` in tmux at 80x24 with NO_COLOR, and writes each capture between the
// README's `<!-- screens:begin -->` and `<!-- screens:end -->` markers. Needs `npm run build`
// and tmux. The home's temp path is shown as ~/.guild; runs of blank lines are shortened to one.
//   node --import tsx scripts/readme-screens.ts
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { viewsPath } from '../src/store/ui-views.js';
import { emptyHome, grunBin, projectRoot, tempDir } from '../test/helpers/home.js';
import { TmuxGrun, tmuxSkip } from '../test/e2e/tmux.js';

if (tmuxSkip) throw new Error(tmuxSkip);

const GUILD_YML = `train:
  main: train
  flags:
    lr: 0.01
    optimizer: adam
    seed: 1
prepare:
  exec: "sh -c 'echo prepared'"
pipeline:
  steps:
    - prepare
    - {run: train lr=0.03 seed=1, name: train-fast, needs: [prepare]}
    - {run: train lr=0.003 seed=1, name: train-slow, needs: [prepare]}
`;

// loss falls fastest at lr=0.005 with adam; the seed adds noise (a sweep without seed=… gives
// each trial its own, as Guild does)
const TRAIN_PY = `import math, random
lr = 0.01
optimizer = "adam"
seed = 1
random.seed(seed)
rate = {"adam": 1.0, "sgd": 0.6, "momentum": 0.8}[optimizer] * (1 - abs(math.log10(lr) + 2.3) / 3)
for step in range(21):
    loss = math.exp(-rate * step / 3) * (1 + 0.3 * random.random())
    print(f"step: {step}")
    print(f"loss: {loss:.4f}")
    print(f"val_acc: {1 - loss / 2:.4f}")
`;

const project = tempDir('grun-demo-');
writeFileSync(join(project, 'guild.yml'), GUILD_YML);
writeFileSync(join(project, 'train.py'), TRAIN_PY);
const home = emptyHome();

const grun = (...args: string[]): void => {
  execFileSync(process.execPath, [grunBin, ...args], { cwd: project, env: { ...process.env, GUILD_HOME: home, NO_COLOR: '1' }, stdio: 'ignore' });
};
grun('run', 'train', 'lr=[0.1,0.01,0.001]', 'optimizer=[adam,sgd]', 'seed=1', '-y');
for (const seed of [1, 2, 3]) grun('run', 'train', 'lr=0.003', 'optimizer=momentum', `seed=${seed}`, '-y');
grun('run', 'train', 'lr=0.03', 'optimizer=momentum', 'seed=1', '-y');
grun('run', 'train', 'lr=loguniform[0.0001:0.1]', 'seed=1', '-o', 'random', '--max-trials', '4', '--minimize', 'loss', '-y');
grun('run', 'pipeline', '-y');

type Step = string[] | { type: string } | { wait: RegExp };
interface Scene {
  title: string;
  steps: Step[];
  /** The capture is taken once the screen matches this. */
  shows: RegExp;
}

const keys = (...k: string[]): Step => k;
const type = (text: string): Step => ({ type: text });
const wait = (re: RegExp): Step => ({ wait: re });
const LOADED = /(\d+)\/\1 runs/;

const scenes: Scene[] = [
  {
    title: "Runs: the label holds the flags that differ; a pipeline's steps expanded (+)",
    steps: [wait(LOADED), keys('+')],
    shows: /└ train-slow .*\d\.\d+/,
  },
  {
    title: 'Flag columns (:cols =lr,=optimizer,=seed,max val_acc), scrolled right (l, l): #, id and status stay',
    steps: [wait(LOADED), type(':cols =lr,=optimizer,=seed,max val_acc'), keys('Enter'), wait(/ lr optimizer/), type('ll')],
    shows: /optimizer +seed +max val_acc[\s\S]*0\.9\d/,
  },
  {
    title: 'Flat view (v): every trial ranked with the other runs by the sort column',
    steps: [wait(LOADED), type(':sort max val_acc'), keys('Enter'), wait(/sort: max val_acc/), keys('v')],
    shows: /sort: max val_acc ▼  flat[\s\S]*0\.9\d/,
  },
  {
    title: "A search's batch: its progress in the overview",
    steps: [wait(LOADED), wait(/train\+skopt:random/), type("j"), wait(/^›.*train\+skopt:random/m), keys('Enter')],
    shows: /search[\s\S]*best[\s\S]*trials/,
  },
  {
    title: 'Filter (/) with a Guild expression, live',
    steps: [wait(LOADED), type('/loss < 0.013 and lr >= 0.003')],
    shows: /^ +\d+ [0-9a-f]{8} [\s\S]*[1-9]\d*\/19 runs · FILTER/m,
  },
  {
    title: 'Run detail: scalars (the first that is not epoch/step plotted by step; L log, X time)',
    steps: [wait(LOADED), type('/optimizer = sgd'), keys('Enter', 'Enter'), wait(/1 overview/), type('3')],
    shows: /loss: [1-9]\d* points/,
  },
  {
    title: 'Run detail: output, searched (/ then n, N)',
    steps: [wait(LOADED), type('/optimizer = sgd'), keys('Enter', 'Enter'), wait(/1 overview/), type('4'), wait(/val_acc/), type('/loss: 0.2'), keys('Enter')],
    shows: /"loss: 0\.2" on line/,
  },
  {
    title: 'Compare: one scalar of the marked runs overlaid (p), log scale (L)',
    steps: [wait(LOADED), type('/optimizer = sgd'), keys('Enter'), type('Ac'), wait(/compare 3 runs/), type('p'), wait(/y:linear/), type('L')],
    shows: /compare 3 runs: loss .*y:log/,
  },
  {
    title: 'Compare: seed groups (b), mean ± std (n)',
    steps: [wait(LOADED), type('/momentum'), keys('Enter'), type('Ac'), wait(/compare 4 runs/), type('b')],
    shows: /2 seed groups[\s\S]*min loss +\S+ ± /,
  },
  {
    title: "Compare: a seed group's mean in its min–max band (b, p)",
    steps: [wait(LOADED), type('/momentum'), keys('Enter'), type('Ac'), wait(/compare 4 runs/), type('b'), wait(/seed groups/), type('p')],
    shows: /mean, min–max band[\s\S]*░/,
  },
  {
    title: 'Delete asks, naming the runs',
    steps: [wait(LOADED), keys('Space', 'Space', 'd')],
    shows: /Delete 2 runs to the trash\?/,
  },
  {
    title: 'Help (?), generated from the keymap; it scrolls',
    steps: [wait(LOADED), type('?')],
    shows: /keys: runs/,
  },
];

async function capture(scene: Scene): Promise<string> {
  rmSync(viewsPath(home), { force: true }); // each scene starts from the default view
  const t = new TmuxGrun({ columns: 80, rows: 24, cwd: project, env: { GUILD_HOME: home, NO_COLOR: '1' } });
  try {
    for (const step of scene.steps) {
      if (Array.isArray(step)) t.keys(...step);
      else if ('type' in step) t.type(step.type);
      else await t.waitFor(step.wait, 20000);
    }
    // and every scalar read: the footer counts those still loading
    const screen = await t.waitFor(new RegExp(`^(?![\\s\\S]*(?:scalars…|loading…))[\\s\\S]*?(?:${scene.shows.source})`, scene.shows.flags), 20000);
    process.kill(t.grunPid(), 'SIGTERM'); // and wait: it saves the view as it goes
    await t.waitFor(/EXIT=/);
    return screen;
  } finally {
    t.close();
  }
}

const tidy = (screen: string): string =>
  screen
    .split('\n')
    .map((l) => l.replaceAll(home, '~/.guild').trimEnd())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();

const parts: string[] = [];
for (const scene of scenes) {
  parts.push(`#### ${scene.title}\n\n\`\`\`\n${tidy(await capture(scene))}\n\`\`\`\n`);
  process.stdout.write(`captured: ${scene.title}\n`);
}
const readme = join(projectRoot, 'README.md');
const text = readFileSync(readme, 'utf8');
const [before, rest] = text.split('<!-- screens:begin -->');
const after = rest?.split('<!-- screens:end -->')[1];
if (before === undefined || after === undefined) throw new Error('README.md has no <!-- screens:begin --> … <!-- screens:end --> markers');
writeFileSync(readme, `${before}<!-- screens:begin -->\n\n${parts.join('\n')}\n<!-- screens:end -->${after}`);
