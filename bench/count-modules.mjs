// `node --import ./bench/count-modules.mjs …`: appends to $GRUN_MODULE_LOG the URL of every ES
// module the process loads (a loader hook), then at exit the path of every CommonJS module.
// bench/startup.ts counts them per command.
import { createRequire, register } from 'node:module';
import { appendFileSync } from 'node:fs';

const log = process.env.GRUN_MODULE_LOG;
if (log) {
  register(
    `data:text/javascript,${encodeURIComponent(`
      import { appendFileSync } from 'node:fs';
      export async function load(url, context, next) {
        if (url.startsWith('file:')) appendFileSync(${JSON.stringify(log)}, 'esm ' + url + '\\n');
        return next(url, context);
      }`)}`,
  );
  const require = createRequire(import.meta.url);
  process.on('exit', () => {
    appendFileSync(log, Object.keys(require.cache).map((p) => `cjs ${p}\n`).join(''));
  });
}
