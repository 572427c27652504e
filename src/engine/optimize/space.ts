// A search space as the optimizers see it: every numeric dimension on [0, 1] (loguniform on the
// log scale, integers as equal cells), every choice as an index. Proposals are decoded back into
// flag values; two proposals are the same point when their decoded values are.
import type { YamlValue } from '../../store/types.js';
import type { Dimension } from '../sweep/guild-sweep.js';
import type { Rng } from './rng.js';

export type { Dimension };

/** A point of the space: a number in [0, 1] per numeric dimension, an index per choice. */
export type Point = number[];

export interface Space {
  names: string[];
  dims: Dimension[];
}

export function isChoice(dim: Dimension): dim is Extract<Dimension, { kind: 'choice' }> {
  return dim.kind === 'choice';
}

export function randomPoint(space: Space, rng: Rng): Point {
  return space.dims.map((d) => (isChoice(d) ? rng.int(d.values.length) : rng.next()));
}

/** The flag value of one coordinate. */
export function decodeValue(dim: Dimension, u: number): YamlValue {
  switch (dim.kind) {
    case 'choice':
      return dim.values[u]!;
    case 'uniform':
      if (dim.int) return Math.min(dim.high, dim.low + Math.floor(u * (dim.high - dim.low + 1)));
      return dim.low + u * (dim.high - dim.low);
    case 'loguniform':
      return Math.exp(Math.log(dim.low) + u * (Math.log(dim.high) - Math.log(dim.low)));
  }
}

/** The coordinate of a flag value (the centre of its cell for integers); null when it is not in the space. */
export function encodeValue(dim: Dimension, v: YamlValue): number | null {
  if (dim.kind === 'choice') {
    const i = dim.values.findIndex((c) => c === v || (typeof c === 'number' && typeof v === 'number' && c === v));
    return i < 0 ? null : i;
  }
  const x = typeof v === 'bigint' ? Number(v) : v;
  if (typeof x !== 'number' || x < dim.low || x > dim.high) return null;
  if (dim.kind === 'loguniform') return (Math.log(x) - Math.log(dim.low)) / (Math.log(dim.high) - Math.log(dim.low));
  if (dim.int) return (Math.round(x) - dim.low + 0.5) / (dim.high - dim.low + 1);
  return (x - dim.low) / (dim.high - dim.low);
}

export function decodePoint(space: Space, p: Point): YamlValue[] {
  return space.dims.map((d, i) => decodeValue(d, p[i]!));
}

/** What makes two points the same trial. */
export function pointKey(space: Space, p: Point): string {
  return decodePoint(space, p)
    .map((v) => (typeof v === 'number' ? v.toPrecision(12) : JSON.stringify(String(v))))
    .join(',');
}

/** How many distinct points the space has (Infinity with any continuous dimension). */
export function spaceSize(space: Space): number {
  return space.dims.reduce(
    (n, d) => n * (d.kind === 'choice' ? d.values.length : d.kind === 'uniform' && d.int ? d.high - d.low + 1 : Infinity),
    1,
  );
}
