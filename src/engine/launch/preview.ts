// What a launch is about to do, for the confirmation a front end asks before anything is
// written: a headline and the flags (a default shown where the value differs from it). Plain
// data: the CLI renders it, with its own styles.
import { isDeepStrictEqual } from 'node:util';
import { formatFlagValue } from '../../store/flagfmt.js';
import { guildShlexQuote } from '../../store/opref.js';
import type { Run, YamlValue } from '../../store/types.js';
import { isMarkedFloat } from '../../store/yaml11.js';
import { guildSweepTrials } from '../batch.js';
import { optimizerName } from '../optimize/optimizer.js';
import type { RunPlan } from '../plan-types.js';
import { planTrial } from '../plan.js';
import type { Expansion } from '../sweep/expand.js';
import type { LaunchPlan } from './request.js';

export interface PreviewLine {
  text: string;
  /** Said beside the line, quieter: `(default 0.1)`. */
  note?: string;
}

export interface LaunchPreview {
  headline: string;
  lines: PreviewLine[];
  /** The runs it acts on, when they exist already (a staged run). */
  runs: Run[];
}

/** Flag lines: the value, and the default where the value differs from it. */
function flagLines(plan: RunPlan): PreviewLine[] {
  const defaults = new Map(plan.flagDefs.map((d) => [d.name, d.default]));
  return Object.keys(plan.flags)
    .sort()
    .map((name) => {
      const v = plan.flags[name]!;
      const text = `  ${name}: ${formatFlagValue(v)}`;
      const d = defaults.get(name);
      return !defaults.has(name) || isDeepStrictEqual(d, v) ? { text } : { text, note: `(default ${formatFlagValue(d!)})` };
    });
}

/** A submission: each param once, a varying one with all its values. */
function expansionLines(exp: Expansion): PreviewLine[] {
  const first = exp.runs[0]!;
  const lines = Object.keys(first.flags).map((name) => {
    const value = (flags: Record<string, YamlValue>): string => formatFlagValue(flags[name]!, { float: isMarkedFloat(flags, name) });
    const values = exp.varying.includes(name) ? [...new Set(exp.runs.map((r) => value(r.flags)))] : [value(first.flags)];
    return { text: `  ${name}: ${values.join(', ')}` };
  });
  if (exp.repeat > 1) lines.push({ text: `  (each ${exp.repeat} times)` });
  lines.push({ text: `  seed: ${exp.seed}` });
  return lines;
}

/** What to confirm before `lp` is carried out; null when nothing is asked (the run is started by a remote grun). */
export function launchPreview(lp: LaunchPlan): LaunchPreview | null {
  switch (lp.kind) {
    case 'ssh':
      return null;
    case 'local':
    case 'unresolved':
    case 'slurm': {
      const verb = lp.kind === 'local' && lp.mode === 'stage' ? 'stage' : 'run';
      return { headline: `You are about to ${verb} ${lp.plan.operation}`, lines: flagLines(lp.plan), runs: [] };
    }
    case 'pipeline': {
      const verb = lp.slurm ? 'submit to Slurm' : lp.mode === 'stage' ? 'stage' : 'run';
      const graph = lp.steps.map((s) => (s.needs.length ? `  ${s.name} (after ${s.needs.join(', ')})` : `  ${s.name}`));
      const steps = [{ text: `  steps:` }, ...graph.map((text) => ({ text: `  ${text}` }))];
      return { headline: `You are about to ${verb} pipeline ${lp.plan.operation}`, lines: [...flagLines(lp.plan), ...steps], runs: [] };
    }
    case 'staged':
    case 'staged-batch':
      return { headline: `You are about to start ${lp.run.operation}`, lines: [], runs: [lp.run] };
    case 'trials':
      return { headline: `You are about to restart ${lp.runs.length} trial${lp.runs.length === 1 ? '' : 's'} of ${lp.parent.operation}`, lines: [], runs: lp.runs };
    case 'sweep': {
      const swept = Object.keys(lp.plan.sweeps).join(', ') || 'none';
      const lines = Object.entries(lp.plan.flags).map(([name, v]) => ({ text: `  ${name}: ${formatFlagValue(v)}` }));
      return { headline: `You are about to ${lp.stage ? 'stage' : 'run'} ${lp.plan.operation} as a batch (${swept} swept)`, lines, runs: [] };
    }
    case 'search': {
      const o = lp.options;
      const swept = Object.keys(lp.plan.sweeps).join(', ');
      const lines = Object.entries(lp.plan.flags).map(([name, v]) => ({ text: `  ${name}: ${formatFlagValue(v)}` }));
      const goal = `${o.objective.minimize ? 'minimizing' : 'maximizing'} ${o.objective.text}`;
      return { headline: `You are about to run ${lp.plan.operation} as a ${o.optimizer} search of ${o.maxTrials} trials (${swept}; ${goal})`, lines, runs: [] };
    }
    case 'submission': {
      const exp = lp.expansion;
      const what = exp.kind === 'single' ? 'as one run' : `as a parent with ${exp.runs.length} child runs`;
      return { headline: `You are about to submit ${lp.proto.operation} ${what}:`, lines: expansionLines(exp), runs: [] };
    }
  }
}

/**
 * The trials a grid or random sweep (`+`, `random`) would run, planned, for `--print-cmd`,
 * `--print-trials` and `--save-trials`: null when the operation runs no batch, undefined for an
 * optimizer that chooses each trial from the results of those before it (gp, tpe).
 */
export function previewTrials(plan: RunPlan, sweep: { optimizer?: string; maxTrials?: number; seed: string }): RunPlan[] | null | undefined {
  const o = sweep.optimizer;
  const batch = o === '+' ? '+' : o !== undefined && optimizerName(o) === 'random' ? 'random' : o === undefined ? null : undefined;
  if (batch === undefined) return undefined;
  if (!Object.keys(plan.sweeps).length && batch !== '+') return null;
  const how = { ...(batch ? { optimizer: batch } : {}), ...(sweep.maxTrials !== undefined ? { maxTrials: sweep.maxTrials } : {}) };
  return guildSweepTrials(plan, how, sweep.seed).trials.map((t) => planTrial(plan, t));
}

/**
 * `--print-cmd`: the run's command, or the command of each trial of a grid (`-o +`) or random
 * sweep (drawn with `seed`, as the sweep would be), quoted as Guild prints them; a search's
 * trials are not known ahead: its prototype's command.
 */
export function commandLines(plan: RunPlan, sweep: { optimizer?: string; maxTrials?: number; seed: string }): string[] {
  return (previewTrials(plan, sweep) ?? [plan]).map((p) => p.cmd.map(guildShlexQuote).join(' '));
}

/**
 * `--print-env`: what the run's command gets in its environment besides grun's own (Guild's
 * `NAME=VALUE` lines, sorted, values quoted as Guild quotes them, an empty one left empty); the
 * run's id, directory and home are added when it is written.
 */
export function envLines(plan: RunPlan): string[] {
  return Object.keys(plan.env)
    .sort()
    .map((k) => `${k}=${plan.env[k] === '' ? '' : guildShlexQuote(plan.env[k]!)}`);
}
