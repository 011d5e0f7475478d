/**
 * `npm run web`: the page of web/app/ as static files, bundled by esbuild
 * into `dist/web/` (kept out of git): `index.html`, `app.js` (the machine,
 * the translator, the ROM, xterm.js and the built-in guest's bytes, which
 * esbuild's `binary` loader inlines from guest/kernel.elf), `style.css`,
 * and their source maps. Any static file server can serve the folder;
 * `vmidbt web` (cli/web.ts) is one.
 *
 * A browser bundle cannot import a Node module: esbuild's browser platform
 * refuses one, so the build itself fails if any layer it takes in reaches
 * for Node.
 */
import { build, type Metafile } from 'esbuild';
import { copyFileSync, mkdirSync, statSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join, relative } from 'node:path';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const DEFAULT_WEB_OUT = join(ROOT, 'dist', 'web');

export interface WebBuild {
  outDir: string;
  files: { name: string; bytes: number }[];
  ms: number;
  /** every source file in the bundle, relative to the repository */
  inputs: string[];
}

export async function buildWeb(outDir: string = DEFAULT_WEB_OUT): Promise<WebBuild> {
  const started = performance.now();
  mkdirSync(outDir, { recursive: true });
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: { app: 'web/app/main.ts', style: 'web/app/style.css' },
    outdir: outDir,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2022'],
    loader: { '.elf': 'binary' },
    minify: true,
    sourcemap: 'linked',
    metafile: true,
    logLevel: 'silent',
  });
  copyFileSync(join(ROOT, 'web', 'app', 'index.html'), join(outDir, 'index.html'));
  const files = ['index.html', 'app.js', 'style.css'].map((name) => ({ name, bytes: statSync(join(outDir, name)).size }));
  return { outDir, files, ms: performance.now() - started, inputs: inputsOf(result.metafile) };
}

function inputsOf(meta: Metafile): string[] {
  return Object.keys(meta.inputs).sort();
}

/** One line for people: where the page is, how big, how long the build took. */
export function describeBuild(b: WebBuild): string {
  const sizes = b.files.map((f) => `${f.name} ${(f.bytes / 1024).toFixed(0)} KiB`).join(', ');
  return `web: built ${relative(process.cwd(), b.outDir) || '.'} in ${(b.ms / 1000).toFixed(2)} s (${sizes})`;
}

/** What `vmidbt web` builds with (bin/cli.ts hands it to cli/web.ts). */
export const pageBuilder = {
  outDir: DEFAULT_WEB_OUT,
  build: async (outDir: string) => describeBuild(await buildWeb(outDir)),
};

/** esbuild's failure as lines of `file:line: text`, not a stack trace. */
function buildErrors(e: unknown): string {
  const errors = (e as { errors?: { text: string; location?: { file: string; line: number } | null }[] }).errors;
  if (!errors?.length) return (e as Error).message;
  return errors.map((x) => (x.location ? `${x.location.file}:${x.location.line}: ${x.text}` : x.text)).join('\n');
}

/** `npm run web [-- OUTDIR]` */
async function main(): Promise<number> {
  try {
    process.stdout.write(describeBuild(await buildWeb(process.argv[2] ?? DEFAULT_WEB_OUT)) + '\n');
    return 0;
  } catch (e) {
    process.stderr.write(`web: build failed:\n${buildErrors(e)}\n`);
    return 1;
  }
}

// (no top-level await: the command's bundle, which holds this module for `vmidbt web`, is a CommonJS script)
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main().then((code) => { process.exitCode = code; });
