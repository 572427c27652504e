// A CommonJS dependency loaded on first use: protobufjs, re2js, yauzl, yazl and proper-lockfile
// together cost ~0.2 s of startup that `grun runs` and `runs info` never needed.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export function lazyRequire<T>(id: string): () => T {
  let mod: T | undefined;
  return () => (mod ??= require(id) as T);
}
