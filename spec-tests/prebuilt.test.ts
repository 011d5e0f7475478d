/**
 * The committed build outputs (spec-tests/prebuilt.ts, spec-tests/snippets.ts)
 * are what their tools make from their sources as they are now.
 *
 * The first group needs no tool and runs everywhere: the manifest lists
 * exactly the recipes, and every output and input hashes to what it records,
 * so an edited source whose output was not remade fails here on any machine.
 * The second group remakes every output with its tool in a temporary
 * directory and compares byte for byte. A missing tool skips that check
 * with the reason beside its name, outside CI only; in CI (`CI=true`) it
 * fails, since .ci/run installs every tool. A tool of another version than
 * the manifest's may make other bytes: that too is a skip with its reason
 * outside CI, and a failure in CI.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commandLine, MANIFEST, readManifest, recipes, ROOT, runRecipe, sha256, staleness, type Recipe } from './prebuilt.ts';
import { assembleSnippet, readSnippet, SNIPPETS, snippetKey, storedSnippets } from './snippets.ts';
import { IN_CI, requireTools, type Skippable, type ToolName } from './tools.ts';

const manifest = readManifest();
const all = recipes();

describe('committed build outputs, checked without tools', () => {
  it('the manifest lists exactly the recipes, with their commands and inputs', () => {
    const want = Object.fromEntries(all.map((r) => [r.out, { tool: r.tool, cwd: r.cwd, command: commandLine(r), inputs: r.inputs }]));
    const have = Object.fromEntries(Object.entries(manifest.outputs).map(([out, e]) => [out, { tool: e.tool, cwd: e.cwd, command: e.command, inputs: Object.keys(e.inputs) }]));
    expect(have, `${MANIFEST} is out of date: run npm run prebuilt:update`).toEqual(want);
    expect(all.length).toBeGreaterThanOrEqual(20);
    for (const t of new Set(all.map((r) => r.tool))) expect(manifest.tools[t], `${MANIFEST} names no ${t} version`).toMatch(/\d+\.\d+/);
  });

  it('every output is the one recorded, made from its inputs as they are now', () => {
    expect(all.map((r) => staleness(r.out, manifest)).filter(Boolean)).toEqual([]);
  });

  it('every stored nasm snippet is named by the hash of its text and has its bytes', () => {
    const keys = storedSnippets();
    expect(keys.length).toBeGreaterThan(10);
    for (const key of keys) {
      const record = readSnippet(key);
      expect(snippetKey(record.text), `${SNIPPETS}/${key}.json`).toBe(key);
      expect(record.nasm, `${SNIPPETS}/${key}.json names the nasm that made it`).toMatch(/NASM version/);
      expect(existsSync(join(ROOT, SNIPPETS, `${key}.bin`)), `${SNIPPETS}/${key}.bin`).toBe(true);
    }
  });

  it('notices an edited input (the check can fail)', () => {
    const r = all.find((x) => x.tool === 'nasm')!;
    const e = manifest.outputs[r.out];
    const edited = { ...manifest, outputs: { ...manifest.outputs, [r.out]: { ...e, inputs: { ...e.inputs, [r.inputs[0]]: '0'.repeat(64) } } } };
    expect(staleness(r.out, edited)).toMatch(/changed since .* was made from it: run npm run prebuilt:update \(needs nasm\)/);
  });
});

/** After a byte mismatch: with another version of the tool, a skip (outside CI) that says so; else undefined. */
function versionExcuse(ctx: Skippable, name: ToolName, version: string | undefined): void {
  const made = manifest.tools[name];
  if (!version || version === made) return;
  const why = `${name} here is '${version}', the outputs were made by '${made}': they differ, as another version may make them`;
  if (IN_CI) throw new Error(`${why}; CI must run the manifest's version`);
  console.log(`skipped: ${why}`);
  ctx.skip(why);
}

/** Remake one recipe in `work`; a line naming the difference, or undefined when the bytes are equal. */
function remakeDiffers(r: Recipe, work: string): string | undefined {
  const { output, error } = runRecipe(r, join(work, r.out.replaceAll('/', '_')));
  if (!output) return error;
  const committed = readFileSync(join(ROOT, r.out));
  return committed.equals(output) ? undefined : `${r.out}: ${commandLine(r)} makes ${output.length} bytes (sha256 ${sha256(output).slice(0, 12)}), committed ${committed.length} (${sha256(committed).slice(0, 12)})`;
}

/** Reassemble one stored snippet; a line naming the difference, or undefined. */
function snippetDiffers(key: string, work: string): string | undefined {
  const { bytes, error } = assembleSnippet(key, readSnippet(key).text, work);
  if (!bytes) return `${SNIPPETS}/${key}.json: ${error?.split('\n')[0]}`;
  return Buffer.from(bytes).equals(readFileSync(join(ROOT, SNIPPETS, `${key}.bin`))) ? undefined : `${SNIPPETS}/${key}.bin differs from nasm's output`;
}

describe('committed build outputs, remade by their tools', () => {
  const tools = [...new Set(all.map((r) => r.tool))];
  for (const name of tools) {
    const mine = all.filter((r) => r.tool === name);
    it(`${name}: remakes its ${mine.length} output${mine.length === 1 ? '' : 's'}${name === 'nasm' ? ' and the stored snippets' : ''} byte for byte`, (ctx) => {
      const [t] = requireTools(ctx, name);
      const work = mkdtempSync(join(tmpdir(), `vmidbt-remake-${name}-`));
      try {
        const diffs = mine.map((r) => remakeDiffers(r, work));
        if (name === 'nasm') diffs.push(...storedSnippets().map((k) => snippetDiffers(k, work)));
        const bad = diffs.filter((d): d is string => d !== undefined);
        if (bad.length) versionExcuse(ctx, name, t.version);
        expect(bad, `remade outputs differ from the committed ones (npm run prebuilt:update, then review)`).toEqual([]);
      } finally {
        rmSync(work, { recursive: true, force: true });
      }
    });
  }
});
