/**
 * `vmidbt web [--port N] [--dir DIR]`: serve the page `npm run web` builds
 * (web/build.ts, `dist/web/`) as static files on 127.0.0.1, building it
 * first if the folder has no page yet. The page needs nothing else from a
 * server: any static file server does as well.
 *
 * Only GET and HEAD, only files inside the folder (a path that resolves
 * outside it, `..` or a symbolic link out, is a 404), never a listing.
 * Runs until SIGINT or SIGTERM, then closes and exits 0.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createReadStream, existsSync, realpathSync, statSync } from 'node:fs';
import { extname, join, relative, resolve, sep } from 'node:path';
import { UserError } from '../base/errors.ts';
import { EXIT_USAGE } from '../base/exit-status.ts';
import { intOption } from './run.ts';

export interface WebOptions {
  port?: string;
  dir?: string;
}

/** The page's builder, handed in by bin/cli.ts (web/ sits above this layer). */
export interface PageBuilder {
  /** where the page goes by default */
  outDir: string;
  /** build into `outDir`; returns one line for people */
  build(outDir: string): Promise<string>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.json': 'application/json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.wasm': 'application/wasm',
};

/** The file a request path names inside `root`, or null (outside it, or not a file). */
export function resolveStatic(root: string, urlPath: string): string | null {
  let path: string;
  try {
    path = decodeURIComponent(urlPath.split('?')[0]);
  } catch {
    return null;
  }
  if (path.includes('\0')) return null;
  let file = resolve(root, '.' + (path.endsWith('/') ? path + 'index.html' : path));
  try {
    if (statSync(file).isDirectory()) file = join(file, 'index.html');
    file = realpathSync(file);
    if (!statSync(file).isFile()) return null;
  } catch {
    return null;
  }
  const rel = relative(realpathSync(root), file);
  return rel === '' || rel.startsWith('..' + sep) || rel === '..' ? null : file;
}

function serve(root: string, req: IncomingMessage, res: ServerResponse): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD' }).end();
    return;
  }
  const file = resolveStatic(root, req.url ?? '/');
  if (!file) {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    return;
  }
  res.writeHead(200, {
    'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
    'content-length': statSync(file).size,
    // a rebuilt page is picked up at the next load
    'cache-control': 'no-cache',
  });
  if (req.method === 'HEAD') { res.end(); return; }
  createReadStream(file).on('error', () => res.destroy()).pipe(res);
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((ok, fail) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      fail(new UserError(`web: cannot listen on 127.0.0.1:${port}: ${e.code === 'EADDRINUSE' ? 'the port is in use (--port)' : e.message}`, EXIT_USAGE));
    });
    server.listen(port, '127.0.0.1', () => ok((server.address() as { port: number }).port));
  });
}

export async function webCommand(opts: WebOptions, page: PageBuilder | undefined): Promise<number> {
  const port = intOption(opts.port, '--port', 0, 65535, 8000);
  const root = resolve(opts.dir ?? page?.outDir ?? '.');
  if (!existsSync(join(root, 'index.html'))) {
    if (opts.dir !== undefined || !page) throw new UserError(`web: ${root} holds no index.html (npm run web builds the page)`, EXIT_USAGE);
    process.stdout.write(`${await page.build(root)}\n`);
  }
  const server = createServer((req, res) => serve(root, req, res));
  const bound = await listen(server, port);
  process.stdout.write(`vmidbt: serving ${relative(process.cwd(), root) || '.'} at http://127.0.0.1:${bound}/ (Ctrl-C stops)\n`);
  await new Promise<void>((done) => {
    const stop = () => { process.off('SIGINT', stop); process.off('SIGTERM', stop); server.close(() => done()); server.closeAllConnections(); };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  return 0;
}
