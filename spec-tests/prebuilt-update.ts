/**
 * `npm run prebuilt:update [-- --tool NAME]`: remake the committed build
 * outputs of spec-tests/prebuilt.ts with the host tools and rewrite the
 * manifest (spec-tests/prebuilt.json) with their commands, input and output
 * hashes, and tool versions.
 *
 * Every recipe is remade (a few seconds); `--tool nasm` (or gcc-m32, as,
 * objdump) remakes only that tool's outputs and keeps the other entries.
 * A missing tool is one clear line and exit status 1, before anything is
 * written. Review the result with `git diff --stat` and commit outputs and
 * manifest together with the source change that needed them.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commandLine, MANIFEST, readManifest, recipes, ROOT, runRecipe, sha256, type Manifest, type ManifestEntry } from './prebuilt.ts';
import { installHint, tool, type ToolName } from './tools.ts';

const ABOUT = 'Outputs of host tools committed next to their sources; made by npm run prebuilt:update, checked by spec-tests/prebuilt.test.ts (see spec-tests/prebuilt.ts).';

function parseArgs(argv: string[]): ToolName | undefined {
  if (argv.length === 0) return undefined;
  if (argv.length === 2 && argv[0] === '--tool') return argv[1] as ToolName;
  console.error('usage: npm run prebuilt:update [-- --tool nasm|gcc-m32|as|objdump]');
  process.exit(2);
}

function previous(): Manifest {
  try {
    return readManifest();
  } catch {
    return { about: ABOUT, tools: {}, outputs: {} };
  }
}

function main(): void {
  const only = parseArgs(process.argv.slice(2));
  const all = recipes();
  const chosen = all.filter((r) => !only || r.tool === only);
  if (!chosen.length) { console.error(`prebuilt: no recipe uses '${only}'`); process.exit(2); }
  const tools = [...new Set(chosen.map((r) => r.tool))];
  for (const t of tools.map(tool)) {
    if (t.missing) { console.error(`prebuilt: ${t.name} is unavailable (${t.missing}); ${installHint(t.name)}`); process.exit(1); }
  }
  const old = previous();
  const manifest: Manifest = { about: ABOUT, tools: { ...old.tools }, outputs: {} };
  for (const t of tools) manifest.tools[t] = tool(t).version;
  const work = mkdtempSync(join(tmpdir(), 'vmidbt-prebuilt-'));
  let changed = 0;
  try {
    // in order: an objdump listing reads an object remade just before it
    for (const r of all) {
      if (!chosen.includes(r)) {
        if (old.outputs[r.out]) manifest.outputs[r.out] = old.outputs[r.out];
        continue;
      }
      const tmp = join(work, r.out.replaceAll('/', '_'));
      const { output, error } = runRecipe(r, tmp);
      if (!output) { console.error(`prebuilt: ${error}`); process.exit(1); }
      const inputs = Object.fromEntries(r.inputs.map((i) => [i, sha256(readFileSync(join(ROOT, i)))]));
      const entry: ManifestEntry = { tool: r.tool, cwd: r.cwd, command: commandLine(r), inputs, sha256: sha256(output) };
      if (old.outputs[r.out]?.sha256 !== entry.sha256) { changed++; console.log(`prebuilt: made ${r.out}`); }
      if (r.stdout) writeFileSync(join(ROOT, r.out), output);
      else copyFileSync(tmp, join(ROOT, r.out));
      manifest.outputs[r.out] = entry;
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  writeFileSync(join(ROOT, MANIFEST), JSON.stringify(manifest, null, 2) + '\n');
  console.log(`prebuilt: ${chosen.length} outputs remade (${changed} changed), ${MANIFEST} written`);
}

main();
