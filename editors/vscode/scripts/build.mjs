// Bundle the extension (dist/) and its tests (out/) with esbuild.
// usage: node scripts/build.mjs [--production] [--watch]
import * as esbuild from 'esbuild';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');
const unitDir = 'test/unit';

/** @type {esbuild.BuildOptions} */
const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['vscode'],
  sourcemap: !production,
  logLevel: 'warning',
};

const builds = [
  { ...common, entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js', minify: production },
];
if (!production) {
  builds.push(
    { ...common, entryPoints: ['test/integration/suite.ts'], outfile: 'out/test/integration/suite.js' },
    {
      ...common,
      entryPoints: readdirSync(unitDir).filter((f) => f.endsWith('.test.ts')).map((f) => join(unitDir, f)),
      outdir: 'out/test/unit',
    },
  );
}

rmSync('dist', { recursive: true, force: true });
if (!production) rmSync('out', { recursive: true, force: true });
if (watch) {
  for (const options of builds) await (await esbuild.context(options)).watch();
} else {
  await Promise.all(builds.map((options) => esbuild.build(options)));
}
