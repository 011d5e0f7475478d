/**
 * The host tools some tests were built with, and how a test that needs one
 * behaves when it is missing.
 *
 * `npm ci && npm test` must pass on a machine with only Node and npm, so no
 * test runs nasm, gcc, as or objdump to get its inputs: it reads outputs
 * committed next to their sources (spec-tests/prebuilt.ts). The tools are
 * needed only to check that those outputs are still what the tools make
 * (prebuilt.test.ts, guest/tools/reproducible.test.ts), and to make them
 * again (`npm run prebuilt:update`). Such a check calls `requireTools`:
 * outside CI a missing tool skips it with the reason in the test output; in
 * CI (`CI=true`, where .ci/run installs every tool) a missing tool fails it,
 * so a rebuild check can never stop running unnoticed. The same holds for
 * gdb, which the gdb stub's tests drive as a user would (cli/gdb/gdb.test.ts).
 *
 * A tool is found by running it (a probe compile for `gcc -m32`, which a
 * gcc without multilib fails), never by looking at PATH; the answers are
 * memoised per process. Only test code and the update script call this.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type ToolName = 'nasm' | 'gcc-m32' | 'as' | 'objdump' | 'ld' | 'make' | 'objcopy' | 'script' | 'chromium' | 'gdb';

export interface Tool {
  name: ToolName;
  /** the tool's own first version line, when it runs */
  version?: string;
  /** why it cannot be used, when it does not run */
  missing?: string;
}

/** The command each tool is run as, and the Debian package a newcomer installs for it. */
const PROBES: Record<ToolName, { version: string[]; check?: string[]; input?: string; pkg: string }> = {
  nasm: { version: ['nasm', '-v'], pkg: 'nasm' },
  'gcc-m32': { version: ['gcc', '--version'], check: ['gcc', '-m32', '-x', 'c', '-c', '-o', '/dev/null', '-'], input: 'int f(void) { return 1; }\n', pkg: 'gcc-multilib' },
  as: { version: ['as', '--version'], check: ['as', '--32', '-o', '/dev/null', '-'], input: 'nop\n', pkg: 'binutils' },
  objdump: { version: ['objdump', '--version'], check: ['objdump', '-i'], pkg: 'binutils' },
  ld: { version: ['ld', '--version'], pkg: 'binutils' },
  make: { version: ['make', '--version'], pkg: 'make' },
  objcopy: { version: ['objcopy', '--version'], pkg: 'binutils' },
  // util-linux's script(1) gives a test a pseudo-terminal
  script: { version: ['script', '--version'], check: ['script', '-qec', 'true', '/dev/null'], pkg: 'bsdutils' },
  // the browser the page's test (web/web.test.ts) and the profile's HTML test (cli/profile.test.ts) drive, through puppeteer-core
  chromium: { version: ['chromium', '--version'], pkg: 'chromium' },
  // the debugger the gdb stub is tested with (cli/gdb/gdb.test.ts); it must know the i386 target
  gdb: { version: ['gdb', '--version'], check: ['gdb', '-batch', '-nx', '-ex', 'set architecture i386'], pkg: 'gdb' },
};

/** A run's first line, or why it failed (not installed, exit status, stderr's first line). */
function firstLine(argv: string[], input?: string): { line?: string; fail?: string; out?: string } {
  const dir = mkdtempSync(join(tmpdir(), 'vmidbt-probe-'));
  try {
    const r = spawnSync(argv[0], argv.slice(1), { cwd: dir, input, encoding: 'utf8', timeout: 30_000 });
    const err = r.error as NodeJS.ErrnoException | undefined;
    if (err) return { fail: err.code === 'ENOENT' ? 'not installed' : err.message };
    if (r.status !== 0) return { fail: `\`${argv.join(' ')}\` exits ${r.status}: ${(r.stderr || r.stdout).trim().split('\n')[0] ?? ''}`.trim() };
    return { line: r.stdout.trim().split('\n')[0], out: r.stdout };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const found = new Map<ToolName, Tool>();

/** Whether `name` runs here, with its version line (memoised). */
export function tool(name: ToolName): Tool {
  const known = found.get(name);
  if (known) return known;
  const p = PROBES[name];
  const v = firstLine(p.version);
  let t: Tool = v.line !== undefined ? { name, version: v.line } : { name, missing: v.fail };
  if (t.version && p.check) {
    const c = firstLine(p.check, p.input);
    if (c.fail) t = { name, missing: c.fail };
    else if (name === 'objdump' && !/elf32-i386/.test(c.out ?? '')) t = { name, missing: 'this objdump does not know elf32-i386' };
  }
  found.set(name, t);
  return t;
}

/** How to get a tool: the Debian package. */
export const installHint = (name: ToolName): string => `apt-get install ${PROBES[name].pkg}`;

/** True under CI (.ci/run sets CI=true): missing tools are failures there. */
export const IN_CI = /^(1|true|yes)$/i.test(process.env.CI ?? '');

/** The part of vitest's test context this needs (kept structural so non-vitest callers can pass their own). */
export interface Skippable {
  skip(note?: string): never;
}

/**
 * Proceed when every tool runs; otherwise fail in CI, or skip the test with
 * the reason (shown by vitest beside the test's name, and printed).
 */
export function requireTools(ctx: Skippable, ...names: ToolName[]): Tool[] {
  const tools = names.map(tool);
  const missing = tools.filter((t) => t.missing);
  if (!missing.length) return tools;
  const why = missing.map((t) => `${t.name} is unavailable (${t.missing}; ${installHint(t.name)})`).join('; ');
  if (IN_CI) throw new Error(`${why}: CI installs every tool (.ci/run), so this check must run there`);
  console.log(`skipped: ${why}`);
  return ctx.skip(why);
}
