/**
 * nasm snippets written inline in tests, assembled once and committed by
 * content hash.
 *
 * `nasm(source, org)` gives the flat binary of `bits 32`, `org` and the
 * source. The bytes come from spec-tests/snippets/<hash>.bin, where <hash>
 * is the first 16 hex digits of the SHA-256 of that full text; <hash>.json
 * beside it records the text, the command and the nasm version that made
 * the bytes. A changed snippet is a new pair, never a stale one, and no test
 * needs nasm to run.
 *
 * A snippet not yet in the store is assembled and recorded there when nasm
 * is present and the run is not CI (commit the two new files with the test);
 * under CI it is an error, so a snippet missing from a commit cannot pass CI
 * and then fail on a machine without nasm. prebuilt.test.ts checks every
 * stored pair (name = hash of the text, and, where nasm runs, the bytes it
 * makes). To drop snippets no test uses any more, delete the folder and run
 * `npm test` with nasm: exactly the snippets the tests ask for come back.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, sha256 } from './prebuilt.ts';
import { IN_CI, installHint, tool } from './tools.ts';

export const SNIPPETS = 'spec-tests/snippets';
const DIR = join(ROOT, SNIPPETS);

const memo = new Map<string, Uint8Array>();

/** The store's name for a snippet's full text. */
export const snippetKey = (text: string): string => sha256(new TextEncoder().encode(text)).slice(0, 16);

/** The command that makes <key>.bin from the text written to <key>.asm. */
export const snippetArgv = (key: string): string[] => ['nasm', '-f', 'bin', '-o', `${key}.bin`, `${key}.asm`];

/** What <key>.json records. */
export interface SnippetRecord {
  text: string;
  command: string;
  nasm: string;
}

/** Assemble `text` as <key> in the folder `work`; the bytes, or nasm's complaint. */
export function assembleSnippet(key: string, text: string, work: string): { bytes?: Uint8Array; error?: string } {
  writeFileSync(join(work, `${key}.asm`), text);
  const argv = snippetArgv(key);
  const r = spawnSync(argv[0], argv.slice(1), { cwd: work, encoding: 'utf8' });
  if (r.status !== 0) return { error: `nasm failed: ${(r.stderr ?? '').trim() || r.error?.message}` };
  return { bytes: new Uint8Array(readFileSync(join(work, `${key}.bin`))) };
}

/** A stored snippet's record. */
export const readSnippet = (key: string): SnippetRecord => JSON.parse(readFileSync(join(DIR, `${key}.json`), 'utf8')) as SnippetRecord;

/** Assemble a 32-bit snippet loaded at `org` (default 0x1000). */
export function nasm(source: string, org = 0x1000): Uint8Array {
  const text = `bits 32\norg 0x${org.toString(16)}\n${source}\n`;
  const hit = memo.get(text);
  if (hit) return hit;
  const key = snippetKey(text);
  const bin = join(DIR, `${key}.bin`);
  const bytes = existsSync(bin) ? new Uint8Array(readFileSync(bin)) : record(key, text);
  memo.set(text, bytes);
  return bytes;
}

/** Assemble a snippet that is not in the store yet, and add it (outside CI only). */
function record(key: string, text: string): Uint8Array {
  const where = `${SNIPPETS}/${key}.bin`;
  if (IN_CI) throw new Error(`nasm snippet ${where} is not committed: run the test with nasm outside CI and commit ${SNIPPETS}/${key}.{json,bin}\n${text}`);
  const nasmTool = tool('nasm');
  if (nasmTool.missing) throw new Error(`nasm snippet ${where} is not committed and nasm is unavailable (${nasmTool.missing}; ${installHint('nasm')})\n${text}`);
  const work = mkdtempSync(join(tmpdir(), 'vmidbt-snippet-'));
  try {
    const { bytes, error } = assembleSnippet(key, text, work);
    if (!bytes) throw new Error(`${error}\n${text}`);
    const record: SnippetRecord = { text, command: snippetArgv(key).join(' '), nasm: nasmTool.version! };
    mkdirSync(DIR, { recursive: true });
    // renamed into place from a sibling file, so a parallel test worker never reads half a file;
    // the .bin last, since its presence is what marks a snippet as stored
    const place = (name: string, data: Uint8Array | string) => {
      const part = join(DIR, `${name}.${process.pid}.part`);
      writeFileSync(part, data);
      renameSync(part, join(DIR, name));
    };
    place(`${key}.json`, JSON.stringify(record, null, 2) + '\n');
    place(`${key}.bin`, bytes);
    console.log(`recorded nasm snippet ${where}: commit ${SNIPPETS}/${key}.json and .bin`);
    return bytes;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** The stored snippets' keys. */
export function storedSnippets(): string[] {
  return existsSync(DIR) ? readdirSync(DIR).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)).sort() : [];
}
