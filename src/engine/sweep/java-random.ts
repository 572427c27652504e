// java.util.Random, bit for bit (a 48-bit LCG), in BigInt: Accio derives a sweep's child seeds
// from `new Random(parentSeed).nextLong()`, so grun must produce the same sequence.

const MULTIPLIER = 0x5deece66dn;
const ADDEND = 0xbn;
const MASK = (1n << 48n) - 1n;

export class JavaRandom {
  private state: bigint;

  /** `seed` is taken as a signed 64-bit value, as Java's `long`. */
  constructor(seed: bigint) {
    this.state = (BigInt.asIntN(64, seed) ^ MULTIPLIER) & MASK;
  }

  /** Java's protected `next(bits)`: the top `bits` of the new state, as a signed int. */
  private next(bits: number): number {
    this.state = (this.state * MULTIPLIER + ADDEND) & MASK;
    return Number(BigInt.asIntN(32, this.state >> BigInt(48 - bits)));
  }

  nextInt(): number {
    return this.next(32);
  }

  /** Uniform in [0, bound), with Java's rejection loop (so it matches Java's draws). */
  nextIntBelow(bound: number): number {
    if (!Number.isInteger(bound) || bound <= 0 || bound > 0x7fffffff) {
      throw new RangeError(`bound must be an int in 1..2^31-1, got ${bound}`);
    }
    if ((bound & -bound) === bound) return Number((BigInt(bound) * BigInt(this.next(31))) >> 31n);
    for (;;) {
      const bits = this.next(31);
      const val = bits % bound;
      if (((bits - val + (bound - 1)) | 0) >= 0) return val; // Java's int overflow test
    }
  }

  nextLong(): bigint {
    const hi = BigInt(this.next(32));
    const lo = BigInt(this.next(32));
    return BigInt.asIntN(64, (hi << 32n) + lo);
  }

  /** Uniform in [0, 1) with 53 random bits. */
  nextDouble(): number {
    return (this.next(26) * 2 ** 27 + this.next(27)) * 2 ** -53;
  }
}
