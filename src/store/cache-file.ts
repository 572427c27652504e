// JSON as grun's cache files write it (the summary cache, the scalar cache, the lowdb caches of
// cache-db.ts): apart from lowdb, so that a listing reading the summary cache does not load it.

// JSON has no bigint and no NaN or infinities (JSON.stringify writes them as null): 64-bit
// seeds and huge int flags travel as {"$bigint": "…"}, a loss of nan as {"$float": "nan"}.
const FLOATS: Record<string, number> = { nan: NaN, inf: Infinity, '-inf': -Infinity };
export const jsonReplacer = (_k: string, v: unknown): unknown => {
  if (typeof v === 'bigint') return { $bigint: v.toString() };
  if (typeof v === 'number' && !Number.isFinite(v)) return { $float: Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf' };
  return v;
};
export const jsonReviver = (_k: string, v: unknown): unknown => {
  if (!v || typeof v !== 'object') return v;
  const tagged = v as { $bigint?: unknown; $float?: unknown };
  if (typeof tagged.$bigint === 'string') return BigInt(tagged.$bigint);
  if (typeof tagged.$float === 'string' && tagged.$float in FLOATS) return FLOATS[tagged.$float];
  return v;
};
