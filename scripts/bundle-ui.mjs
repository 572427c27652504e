// The dashboard's Ink and React as one ESM bundle in dist/vendor (esbuild), so that the
// dashboard loads them from three files and a shared chunk instead of ~700 modules (Ink's
// es-toolkit alone is 415): 0.14 s instead of 0.54 s on the 2-core VM. Built for production
// React, which the dashboard always runs; `react-devtools-core` (Ink's optional DEV=true
// devtools) is left out. dist/views/vendor-hook.js sends dist's imports of `ink`, `react` and
// `react/jsx-runtime` here; the tests, which import src, use node_modules as they are.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = fileURLToPath(new URL('..', import.meta.url));
const outdir = `${root}dist/vendor`;

/** A CommonJS package's named exports, re-exported one by one (esbuild cannot `export *` them). */
const namedExports = (pkg) => {
  const names = Object.keys(require(pkg)).filter((k) => k !== 'default' && /^[A-Za-z_$][\w$]*$/.test(k));
  return `import m from '${pkg}';\nexport default m;\nexport const { ${names.join(', ')} } = m;\n`;
};

const entries = {
  ink: "export * from 'ink';\n",
  react: namedExports('react'),
  'jsx-runtime': namedExports('react/jsx-runtime'),
};

rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: Object.keys(entries).map((name) => ({ in: `entry:${name}`, out: name })),
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  define: { 'process.env.NODE_ENV': '"production"' },
  // CommonJS inside the bundle (React) requires node's own modules
  banner: { js: "import { createRequire as __vendorRequire } from 'node:module'; const require = __vendorRequire(import.meta.url);" },
  logLevel: 'warning',
  plugins: [
    {
      name: 'entries',
      setup(b) {
        b.onResolve({ filter: /^entry:/ }, (a) => ({ path: a.path.slice('entry:'.length), namespace: 'entry' }));
        b.onLoad({ filter: /.*/, namespace: 'entry' }, (a) => ({ contents: entries[a.path], resolveDir: root, loader: 'js' }));
        b.onResolve({ filter: /^react-devtools-core$/ }, () => ({ path: 'devtools', namespace: 'no-devtools' }));
        b.onLoad({ filter: /.*/, namespace: 'no-devtools' }, () => ({ contents: 'export default { connectToDevTools() {} };', loader: 'js' }));
      },
    },
  ],
});
