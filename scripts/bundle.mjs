// The rank API in one file, dist/tsmpi.js (package.json "exports" points there). Every rank
// imports it at start-up: as ~100 separate modules that took ~140 ms per rank on the project's
// 2-CPU machines (each one resolved, read and compiled; under the TypeScript loader each also a
// round trip to the loader's thread), as one file ~70 ms. dist/index.js and the other modules
// stay for the launcher and for the type declarations next to them.
import { build } from 'esbuild';

await build({
  entryPoints: ['dist/index.js'],
  outfile: 'dist/tsmpi.js',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // Packages load from node_modules as usual (zeromq's addon, cli-progress only when a bar draws).
  packages: 'external',
  logLevel: 'warning',
});
