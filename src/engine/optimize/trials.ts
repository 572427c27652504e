// What an optimizer is given: the trials so far as points of the space with their objective
// (always minimized; a maximized column is negated before it gets here). A trial that still runs
// or ended without a value has none: it only keeps the optimizer from proposing it again.
import { type Point, type Space, pointKey, randomPoint, spaceSize } from './space.js';
import type { Rng } from './rng.js';
import { GrunError } from '../../store/errors.js';

export interface Trial {
  point: Point;
  value?: number;
}

export function observed(trials: Trial[]): { point: Point; value: number }[] {
  return trials.filter((t): t is { point: Point; value: number } => t.value !== undefined && Number.isFinite(t.value));
}

export function usedKeys(space: Space, trials: Trial[]): Set<string> {
  return new Set(trials.map((t) => pointKey(space, t.point)));
}

/** Fails when every point of a finite space has been tried. */
export function checkRoom(space: Space, trials: Trial[]): void {
  if (usedKeys(space, trials).size >= spaceSize(space)) {
    throw new GrunError(`the search space has only ${spaceSize(space)} point(s), all of them tried`);
  }
}

/** A random point not tried yet (after many collisions, any unused one found by a sweep of draws). */
export function freshRandomPoint(space: Space, trials: Trial[], rng: Rng): Point {
  checkRoom(space, trials);
  const used = usedKeys(space, trials);
  for (;;) {
    const p = randomPoint(space, rng);
    if (!used.has(pointKey(space, p))) return p;
  }
}
