/**
 * Debian's i386 kernel and busybox for `npm run guest:linux`, fetched with
 * the ordinary Debian tools into a git-ignored cache (guest/build/linux/).
 *
 * The kernel's versioned package is resolved through its metapackage
 * (`linux-image-686` depends on `linux-image-6.1.0-NN-686`). When apt knows
 * no i386 packages yet, the i386 architecture is added and the package
 * lists updated (as root; otherwise the error says what to run). Packages
 * are downloaded with `apt-get download` (nothing is installed) and
 * unpacked with `dpkg-deb -x`; what is in the cache is used again.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export interface DebianFiles {
  /** package name -> its unpacked tree */
  trees: Map<string, string>;
  /** kernel flavour ('686', '686-pae') -> bzImage path */
  kernels: Map<string, string>;
  busybox: string;
}

function run(cmd: string, args: string[], cwd?: string): string {
  return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** Make apt know i386 packages: add the architecture and update the lists when needed. */
function ensureI386(log: (s: string) => void): void {
  const archs = run('dpkg', ['--print-foreign-architectures']).split('\n');
  const known = /Candidate: (?!\(none\))/.test(run('apt-cache', ['policy', 'busybox-static:i386']));
  if (archs.includes('i386') && known) return;
  if (!isRoot()) throw new Error('apt knows no i386 packages: run `dpkg --add-architecture i386 && apt-get update` as root');
  if (!archs.includes('i386')) {
    log('adding the i386 architecture to dpkg');
    run('dpkg', ['--add-architecture', 'i386']);
  }
  log('updating the apt package lists');
  run('apt-get', ['update', '-qq']);
}

/** The versioned package a metapackage depends on (linux-image-686 -> linux-image-6.1.0-NN-686). */
export function resolveMeta(meta: string): string {
  const out = run('apt-cache', ['depends', `${meta}:i386`]);
  const m = /Depends: (linux-image-[^\s:]+)/.exec(out);
  if (!m) throw new Error(`cannot resolve ${meta}:i386 to a kernel package (apt-cache depends said: ${out.trim().split('\n')[0] ?? 'nothing'})`);
  return m[1];
}

function fetchAndUnpack(cache: string, pkg: string, log: (s: string) => void): string {
  const tree = join(cache, 'x', pkg);
  if (existsSync(tree)) return tree;
  const debs = () => readdirSync(cache).filter((f) => f.startsWith(`${pkg}_`) && f.endsWith('_i386.deb'));
  if (!debs().length) {
    log(`downloading ${pkg}:i386`);
    run('apt-get', ['download', '-qq', `${pkg}:i386`], cache);
  }
  const deb = debs().sort().pop();
  if (!deb) throw new Error(`apt-get download ${pkg}:i386 left no .deb in ${cache}`);
  mkdirSync(tree, { recursive: true });
  run('dpkg-deb', ['-x', join(cache, deb), tree]);
  return tree;
}

function findFile(dir: string, prefix: string): string {
  const f = readdirSync(dir).find((n) => n.startsWith(prefix));
  if (!f) throw new Error(`no ${prefix}* in ${dir}`);
  return join(dir, f);
}

/** Fetch (or reuse) the kernels of `flavours` and busybox-static, all i386. */
export function debianLinux(cache: string, flavours: string[], log: (s: string) => void): DebianFiles {
  mkdirSync(cache, { recursive: true });
  ensureI386(log);
  const trees = new Map<string, string>();
  const kernels = new Map<string, string>();
  for (const flavour of flavours) {
    const pkg = resolveMeta(`linux-image-${flavour}`);
    const tree = fetchAndUnpack(cache, pkg, log);
    trees.set(pkg, tree);
    kernels.set(flavour, findFile(join(tree, 'boot'), 'vmlinuz-'));
  }
  const bb = fetchAndUnpack(cache, 'busybox-static', log);
  trees.set('busybox-static', bb);
  return { trees, kernels, busybox: join(bb, 'bin', 'busybox') };
}
