// How grun starts itself again (supervisors, schedulers, Slurm jobs): node with the built
// cli.js, or with cli.ts under the loaders this process was started with (tests run from source).
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A loader given by package name resolved to a file URL: a job may run in another directory. */
function absolute(spec: string): string {
  if (/^(\.|\/|file:)/.test(spec)) return spec;
  try {
    return import.meta.resolve(spec);
  } catch {
    return spec;
  }
}

/** The node arguments (without node itself) that run this grun's CLI again. */
export function grunArgv(): string[] {
  const here = fileURLToPath(import.meta.url);
  const ext = extname(here);
  const cli = join(dirname(here), '..', `cli${ext}`);
  if (ext !== '.ts') return [cli];
  const loaders: string[] = [];
  const argv = process.execArgv;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if ((a === '--import' || a === '--require' || a === '--loader') && argv[i + 1]) loaders.push(a, absolute(argv[++i]!));
    else if (/^--(import|require|loader)=/.test(a)) loaders.push(a);
  }
  return [...loaders, cli];
}
