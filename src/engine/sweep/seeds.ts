// Run seeds: signed 64-bit integers, kept as decimal strings (never JS numbers, which hold only
// 53 bits). A sweep's children get theirs from java.util.Random(parentSeed), in child order.
import { randomBytes } from 'node:crypto';
import { JavaRandom } from './java-random.js';

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

/** A fresh random seed over the whole signed 64-bit range, as Accio draws `Random.nextLong()`. */
export function newSeed(): string {
  return randomBytes(8).readBigInt64BE().toString();
}

/**
 * A seed given by a user (JSON number or string, `--seed`) as its canonical decimal string, or
 * null when it is not an integer in the signed 64-bit range.
 */
export function parseSeed(value: string | number | bigint): string | null {
  let n: bigint;
  if (typeof value === 'bigint') n = value;
  else if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) return null; // a larger JS number has already lost digits
    n = BigInt(value);
  } else {
    const t = value.trim();
    if (!/^[-+]?\d+$/.test(t)) return null;
    n = BigInt(t);
  }
  return n >= INT64_MIN && n <= INT64_MAX ? n.toString() : null;
}

/** The seeds of `n` children, in child order: successive `nextLong()` of Random(parentSeed). */
export function childSeeds(parentSeed: string | bigint, n: number): string[] {
  const rng = new JavaRandom(typeof parentSeed === 'bigint' ? parentSeed : BigInt(parentSeed));
  return Array.from({ length: n }, () => rng.nextLong().toString());
}
