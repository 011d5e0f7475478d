import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GUEST_V8_FLAGS, guestNodeOptions, guestV8Pool } from '../cli/guest-process.ts';
import { tempDir } from '../spec-tests/temp-dir.ts';

// The compiled command (bin/build-cli.mjs, bin/vmidbt.js): `npm ci` builds
// it through `prepare`, the launcher runs it, and a changed source is never
// run stale. The staleness cases edit sources, so they run in a copy of the
// tree (its node_modules a link to this one's), never in the tree itself.
const ROOT = new URL('..', import.meta.url).pathname;

function launch(root: string, args: string[], env: Record<string, string> = {}): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [join(root, 'bin', 'vmidbt.js'), ...args], { cwd: root, env: { ...process.env, VMIDBT_LAUNCH_TRACE: '1', ...env }, timeout: 120_000 }, (e, stdout, stderr) => {
      done({ status: e ? (typeof e.code === 'number' ? e.code : -1) : 0, stdout, stderr });
    });
  });
}

const manifestOf = (root: string) => JSON.parse(readFileSync(join(root, 'dist', 'cli', 'manifest.json'), 'utf8')) as { dir: string; entry: string; inputs: [string, number, number][] };

describe('the compiled command', () => {
  it('npm ci builds it (the prepare script) and the launcher runs it, with no TypeScript loader', async () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.prepare).toBe('node bin/build-cli.mjs');
    // dist/ is build output, never committed
    expect(execFileSync('git', ['check-ignore', 'dist/cli/manifest.json'], { cwd: ROOT, encoding: 'utf8' }).trim()).toBe('dist/cli/manifest.json');
    const r = await launch(ROOT, ['--version']);
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    // current, or rebuilt first when a developer's edit made it stale; never the loader
    expect(r.stderr).toMatch(/^vmidbt launch: (bundle current: dist\/cli\/b-[0-9a-f]+, \d+ inputs checked in [\d.]+ ms|rebuilt dist\/cli\/b-[0-9a-f]+ in \d+ ms)$/m);
    expect(r.stderr).not.toContain('TypeScript loader');
    const m = manifestOf(ROOT);
    const built = readdirSync(join(ROOT, 'dist', 'cli', m.dir));
    expect(built).toContain(m.entry);
    // the bundle holds the command's sources and its packages, and no transpiler
    const inputs = m.inputs.map(([f]) => f);
    for (const f of ['bin/cli.ts', 'cli/main.ts', 'cli/run.ts', 'runtime/machine.ts', 'translator/engine/engine.ts', 'bin/build-cli.mjs']) expect(inputs).toContain(f);
    expect(inputs.some((f) => f.startsWith('node_modules/commander/'))).toBe(true);
    // one CommonJS script (what vm.Script compiles with a code cache); esbuild stays a package it requires
    expect(m.entry).toBe('cli.cjs');
    const script = readFileSync(join(ROOT, 'dist', 'cli', m.dir, m.entry), 'utf8');
    expect(script).not.toMatch(/ts-loader/);
    expect(script).toContain('require("esbuild")');
    // strict as the sources' ES modules are: the directive opens the script
    expect(script.startsWith("'use strict';")).toBe(true);
  });

  it('run as a program, starts Node with one V8 worker thread fewer than the cores, the rule of cli/guest-process.ts written for the shell', async () => {
    const program = join(ROOT, 'bin', 'vmidbt.js');
    const r = await new Promise<{ status: number; stdout: string; stderr: string }>((done) => {
      execFile(program, ['--version'], { cwd: tmpdir(), env: { ...process.env, VMIDBT_LAUNCH_TRACE: '1' }, timeout: 60_000 }, (e, stdout, stderr) => done({ status: e ? -1 : 0, stdout, stderr }));
    });
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    expect(r.stderr).toContain(`vmidbt launch: node options: ${guestNodeOptions().join(' ')}`);
    // Node starts on the CommonJS launcher itself, also through a link such as npm's node_modules/.bin/vmidbt
    expect(r.stderr).toContain('vmidbt launch: launcher: bin/launch.cjs, the program');
    const link = join(tempDir('vmidbt-link-'), 'vmidbt');
    symlinkSync(program, link);
    const linked = await new Promise<{ status: number; stdout: string; stderr: string }>((done) => {
      execFile(link, ['--version'], { cwd: tmpdir(), env: { ...process.env, VMIDBT_LAUNCH_TRACE: '1' }, timeout: 60_000 }, (e, stdout, stderr) => done({ status: e ? -1 : 0, stdout, stderr }));
    });
    expect(linked.status).toBe(0);
    expect(linked.stdout).toBe(r.stdout);
    expect(linked.stderr).toContain('vmidbt launch: launcher: bin/launch.cjs, the program');
    // through Node, as Node was started, by way of the ES module
    const viaNode = (await launch(ROOT, ['--version'])).stderr;
    expect(viaNode).toContain('vmidbt launch: node options: none');
    expect(viaNode).toContain('vmidbt launch: launcher: bin/launch.cjs, loaded by the ES module bin/vmidbt.js');
    // the shell's arithmetic agrees with guestV8Pool for other machines too, and its V8 flags with GUEST_V8_FLAGS
    const shellLine = readFileSync(program, 'utf8').split('\n')[1];
    for (const flag of GUEST_V8_FLAGS) expect(shellLine).toContain(` ${flag} `);
    const rule = /\$\(\( (.+) \)\)/.exec(shellLine)?.[1];
    expect(rule).toBeDefined();
    for (let cores = 1; cores <= 12; cores++) {
      expect(Number(execFileSync('sh', ['-c', `n=${cores}; echo $(( ${rule} ))`], { encoding: 'utf8' }))).toBe(guestV8Pool(cores));
    }
    // it counts the cores the process may run on (its affinity, as nproc and availableParallelism do) from
    // /proc/self/status with the shell's builtins (nproc, a process, was 2 ms of every start); none found: 0
    const count = /n=0; (while .* <\/proc\/self\/status;)/.exec(shellLine)?.[1];
    expect(count).toBeDefined();
    const statusFile = join(tempDir('vmidbt-status-'), 'status');
    const counted = (list: string | undefined) => {
      writeFileSync(statusFile, `Name:\tsh\nCpus_allowed:\tff\n${list === undefined ? '' : `Cpus_allowed_list:\t${list}\n`}Mems_allowed_list:\t0\n`);
      return Number(execFileSync('sh', ['-c', `n=0; ${count!.replace('/proc/self/status', statusFile)} unset IFS; echo $n`], { encoding: 'utf8' }));
    };
    expect([counted('0-1'), counted('0-3,8-11'), counted('0,2,4'), counted('5'), counted('0-63'), counted(undefined)]).toEqual([2, 8, 3, 1, 64, 0]);
    expect(Number(execFileSync('sh', ['-c', 'n=0; echo $(( ' + rule + ' ))'], { encoding: 'utf8' }))).toBe(1);
  });

  it('runs a guest without loading the Node modules only some runs need (ES module loader, child processes, threads, terminals, sockets, performance)', () => {
    // what a run of the built-in guest with no input loaded of Node's own modules, listed at exit
    const hook = join(tempDir('vmidbt-modules-'), 'list.cjs');
    writeFileSync(hook, "process.on('exit', () => require('node:fs').writeSync(2, '\\nMODULES ' + JSON.stringify(process.moduleLoadList) + '\\n'));");
    // (a start that finds the bundle stale rebuilds it in its own process first, with modules of its own)
    execFileSync(process.execPath, [join(ROOT, 'bin', 'launch.cjs'), '--version'], { cwd: ROOT, timeout: 120_000 });
    const args = ['--require', hook, join(ROOT, 'bin', 'launch.cjs'), 'run', '--append', 'run=crc32b scale=0.01'];
    const r = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
    expect(r.stdout).toContain('RESULT name=crc32b');
    const loaded: string[] = JSON.parse(/^MODULES (.*)$/m.exec(r.stderr)![1]);
    expect(loaded).toContain('NativeModule fs');
    // (the host clock and the launcher's check time themselves with process.hrtime: `performance` is a module of its own)
    for (const m of ['child_process', 'worker_threads', 'internal/modules/esm/module_job', 'tty', 'net', 'internal/perf/performance']) expect(loaded).not.toContain(`NativeModule ${m}`);
  });

  describe('in a copy of the tree', () => {
    const copy = tempDir('vmidbt-launcher-');
    const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' }).split('\n')
      .filter((f) => /\.(ts|mjs|cjs|js)$/.test(f) || ['package.json', 'tsconfig.json', 'guest/kernel.elf'].includes(f));
    for (const f of files) {
      if (!existsSync(join(ROOT, f))) continue;
      mkdirSync(dirname(join(copy, f)), { recursive: true });
      copyFileSync(join(ROOT, f), join(copy, f));
    }
    symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'));
    const edit = (file: string, from: string, to: string) => {
      const path = join(copy, file);
      const text = readFileSync(path, 'utf8');
      expect(text).toContain(from);
      writeFileSync(path, text.replace(from, to));
    };

    it('builds when there is no bundle, rebuilds after an edit or a touch, and runs the edited code', async () => {
      let r = await launch(copy, ['--help']);
      expect(r.stderr).toMatch(/^vmidbt launch: bundle stale: no bundle; rebuilding$/m);
      expect(r.stdout).toContain('Dynamic binary translator for paravirtualized i386 guests');
      const first = manifestOf(copy).dir;

      r = await launch(copy, ['--help']);
      expect(r.stderr).toMatch(/^vmidbt launch: bundle current: /m);

      edit('cli/main.ts', "'Dynamic binary translator for paravirtualized", "'Edited binary translator for paravirtualized");
      r = await launch(copy, ['--help']);
      expect(r.stderr).toMatch(/^vmidbt launch: bundle stale: cli\/main\.ts changed; rebuilding$/m);
      expect(r.stdout).toContain('Edited binary translator for paravirtualized i386 guests');
      const second = manifestOf(copy).dir;
      expect(second).not.toBe(first);

      // a touch alone rebuilds too (cheap), into the same content-addressed folder
      const earlier = new Date(Date.now() - 60_000);
      utimesSync(join(copy, 'runtime', 'machine.ts'), earlier, earlier);
      r = await launch(copy, ['run', '--max-instructions', '30000']);
      expect(r.stderr).toMatch(/^vmidbt launch: bundle stale: runtime\/machine\.ts changed; rebuilding$/m);
      expect(r.stdout).toMatch(/^vmidbt guest kernel, cmdline: guest\/kernel\.elf scale=0\.1$/m);
      expect(r.stderr).toContain('guest exceeded --max-instructions 30000');
      expect(manifestOf(copy).dir).toBe(second);
    });

    it("keeps V8's code cache beside the build: written by the first start, used by the next, replaced when V8 refuses it or a short command wrote it", async () => {
      const dir = join(copy, 'dist', 'cli', manifestOf(copy).dir);
      const caches = () => readdirSync(dir).filter((f) => /^code-cache-[0-9a-f]{8}\.bin$/.test(f));
      for (const f of caches()) rmSync(join(dir, f));
      const said = (r: { stderr: string }) => /^vmidbt launch: code cache dist\/cli\/b-[0-9a-f]+\/code-cache-[0-9a-f]{8}\.bin: (.*)$/m.exec(r.stderr)?.[1];

      let r = await launch(copy, ['--version']);
      expect(said(r)).toBe('none; written at exit');
      expect(caches()).toHaveLength(1);
      const file = join(dir, caches()[0]);
      // its first byte: written by a process that ran briefly (0), so a longer one replaces it
      expect(readFileSync(file)[0]).toBe(0);
      r = await launch(copy, ['--version']);
      expect(said(r)).toMatch(/^\d+ bytes, accepted \(thin\)$/);
      const thin = readFileSync(file).length;

      // npm start's run: the interpreter, decoder and translator compiled too, and a cache with them kept
      r = await launch(copy, ['run']);
      expect(r.status).toBe(0);
      expect(readFileSync(file)[0]).toBe(1);
      expect(readFileSync(file).length).toBeGreaterThan(thin);
      r = await launch(copy, ['--version']);
      expect(said(r)).toMatch(/^\d+ bytes, accepted$/);

      // not V8's data: refused, the command still runs, and the file is written again
      writeFileSync(file, Buffer.concat([Buffer.of(1), Buffer.alloc(4096, 0x5a)]));
      r = await launch(copy, ['--version']);
      expect(r.status).toBe(0);
      expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
      expect(said(r)).toBe('refused by V8; written at exit');
      expect(said(await launch(copy, ['--version']))).toMatch(/^\d+ bytes, accepted \(thin\)$/);

      // other V8 flags, another cache: V8 refuses one made under different flags
      r = await new Promise((done) => {
        execFile(process.execPath, ['--no-opt', join(copy, 'bin', 'vmidbt.js'), '--version'], { cwd: copy, env: { ...process.env, VMIDBT_LAUNCH_TRACE: '1' } },
          (e, stdout, stderr) => done({ status: e ? -1 : 0, stdout, stderr }));
      });
      expect(said(r)).toBe('none; written at exit');
      expect(caches()).toHaveLength(2);

      // options that differ at every run (a profile's folder) do not fill the folder: at most eight caches
      for (let k = 0; k < 6; k++) writeFileSync(join(dir, `code-cache-0000000${k}.bin`), Buffer.of(0));
      r = await new Promise((done) => {
        execFile(process.execPath, ['--stack-size=900', join(copy, 'bin', 'vmidbt.js'), '--version'], { cwd: copy, env: { ...process.env, VMIDBT_LAUNCH_TRACE: '1' } },
          (e, stdout, stderr) => done({ status: e ? -1 : 0, stdout, stderr }));
      });
      expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
      expect(said(r)).toBe('none; not written (8 caches there already)');
      expect(caches()).toHaveLength(8);
      for (let k = 0; k < 6; k++) rmSync(join(dir, `code-cache-0000000${k}.bin`));

      // stack traces through the source maps: Node's own loader then, no cache
      r = await new Promise((done) => {
        execFile(process.execPath, ['--enable-source-maps', join(copy, 'bin', 'vmidbt.js'), '--version'], { cwd: copy, env: { ...process.env, VMIDBT_LAUNCH_TRACE: '1' } },
          (e, stdout, stderr) => done({ status: e ? -1 : 0, stdout, stderr }));
      });
      expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
      expect(r.stderr).toContain('vmidbt launch: code cache: not used (source maps on: Node loads the bundle itself)');

      // npm ci's build (the prepare script) leaves the cache the launcher's own flags need, from a run of the guest
      for (const f of caches()) rmSync(join(dir, f));
      const built = execFileSync(process.execPath, [join(copy, 'bin', 'build-cli.mjs')], { cwd: copy, encoding: 'utf8', timeout: 120_000 });
      expect(built).toMatch(/^vmidbt: code cache written by a run of the built-in guest in \d+ ms$/m);
      const warm = caches().map((f) => readFileSync(join(dir, f)));
      expect(warm).toHaveLength(1);
      expect(warm[0][0]).toBe(1);
    });

    it('falls back to the TypeScript loader, after one line saying why, when the bundle cannot be built', async () => {
      // a syntax error in a module `--version` never loads: esbuild refuses the whole bundle, the loader runs what is used
      writeFileSync(join(copy, 'bench', 'command.ts'), `${readFileSync(join(copy, 'bench', 'command.ts'), 'utf8')}\nexport const broken = ;\n`);
      const r = await launch(copy, ['--version']);
      expect(r.status).toBe(0);
      expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
      expect(r.stderr).toMatch(/^vmidbt: cannot rebuild dist\/cli \(.+\); running the TypeScript sources through the loader$/m);
      expect(r.stderr).toContain('vmidbt launch: running the sources through the TypeScript loader');
    });

    it('without its packages (no npm ci yet) says so in one line and exits 1', async () => {
      const bare = mkdtempSync(join(tmpdir(), 'vmidbt-nopackages-'));
      try {
        mkdirSync(join(bare, 'bin'));
        for (const f of ['vmidbt.js', 'launch.cjs', 'build-cli.mjs', 'ts-loader.mjs']) copyFileSync(join(ROOT, 'bin', f), join(bare, 'bin', f));
        copyFileSync(join(ROOT, 'package.json'), join(bare, 'package.json'));
        const r = await launch(bare, ['--version'], { VMIDBT_LAUNCH_TRACE: '' });
        expect(r.status).toBe(1);
        expect(r.stderr).toMatch(/^vmidbt: its packages are not installed \(.*esbuild.*\); run `npm ci` in .+ first\n$/);
        expect(r.stdout).toBe('');
      } finally {
        rmSync(bare, { recursive: true, force: true });
      }
    });

    it('VMIDBT_TS=1 runs the sources through the loader', async () => {
      const r = await launch(copy, ['--version'], { VMIDBT_TS: '1' });
      expect(r.status).toBe(0);
      expect(r.stderr).toContain('vmidbt launch: running the sources through the TypeScript loader');
      expect(r.stderr).not.toContain('bundle');
    });
  });
});
