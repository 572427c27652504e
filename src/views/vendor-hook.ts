// A module resolve hook (node:module `register`) that sends the dashboard's imports of Ink and
// React from grun's own modules to their bundle in dist/vendor (scripts/bundle-ui.mjs): ~700
// modules become four files. Only imports from grun's modules are sent, so everything else
// resolves as before.
import type { ResolveHook } from 'node:module';

/** The bundle beside the built modules, and the specifiers it answers. */
const BUNDLE = new URL('../vendor/', import.meta.url);
const DIST = new URL('../', import.meta.url).href;
const BUNDLED: Record<string, string> = { ink: 'ink.js', react: 'react.js', 'react/jsx-runtime': 'jsx-runtime.js' };

/** Where the bundle's Ink is, to tell whether there is a bundle (a build) or not (sources run by tsx). */
export const bundledInk = new URL(BUNDLED.ink!, BUNDLE);

export const resolve: ResolveHook = (specifier, context, next) => {
  const file = Object.hasOwn(BUNDLED, specifier) ? BUNDLED[specifier] : undefined;
  if (file && context.parentURL?.startsWith(DIST)) return { url: new URL(file, BUNDLE).href, shortCircuit: true };
  return next(specifier, context);
};
