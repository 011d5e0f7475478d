/**
 * Reader of the golden vector files (format: spec-tests/VECTORS.md).
 *
 * A file is gzip-compressed text: `@cpu` lines name the silicon, `@form`
 * lines name an instruction form with its encoding and the fields each row
 * holds, and every other non-comment line is one vector of hex tokens.
 */
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';

export interface Field {
  name: string;
  /** for memory fields */
  addr?: number;
  len?: number;
}

export interface Form {
  name: string;
  family: string;
  oracle: string;
  cpu: string;
  bytes: Uint8Array;
  inputs: Field[];
  outputs: Field[];
  undef: number;
  rows: VectorRow[];
}

export interface VectorRow {
  /** input values; memory fields as byte arrays */
  in: (number | Uint8Array)[];
  /** output values; null where the token was `x` (undefined result) */
  out: (number | Uint8Array | null)[];
  /** per-row undefined-flags override */
  undef?: number;
  line: number;
}

function parseField(text: string): Field {
  const m = /^m([0-9a-fA-F]+)\.(\d+)$/.exec(text);
  if (m) return { name: 'mem', addr: parseInt(m[1], 16), len: parseInt(m[2], 10) };
  return { name: text };
}

function hexBytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length / 2);
  for (let k = 0; k < out.length; k++) out[k] = parseInt(s.slice(2 * k, 2 * k + 2), 16);
  return out;
}

function parseToken(f: Field, tok: string, where: string): number | Uint8Array {
  if (f.name === 'mem') {
    if (tok.length !== (f.len ?? 0) * 2) throw new Error(`${where}: memory token has ${tok.length / 2} bytes, field wants ${f.len}`);
    return hexBytes(tok);
  }
  const v = parseInt(tok, 16);
  if (Number.isNaN(v)) throw new Error(`${where}: bad hex token '${tok}'`);
  return v | 0;
}

export function parseVectorFile(text: string, family: string): Form[] {
  const forms: Form[] = [];
  let cpu = 'unknown';
  let form: Form | undefined;
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n].trim();
    if (!line || line.startsWith('#')) continue;
    const where = `${family}:${n + 1}`;
    if (line.startsWith('@cpu')) { cpu = line.slice(4).trim(); continue; }
    if (line.startsWith('@form')) {
      const parts = line.split(/\s+/);
      const kv: Record<string, string> = {};
      for (const p of parts.slice(2)) {
        const eq = p.indexOf('=');
        if (eq > 0) kv[p.slice(0, eq)] = p.slice(eq + 1);
      }
      if (!kv.bytes || kv.in === undefined || !kv.out) throw new Error(`${where}: @form needs bytes=, in= and out=`);
      form = {
        name: parts[1], family, oracle: kv.oracle ?? 'unknown', cpu,
        bytes: hexBytes(kv.bytes),
        inputs: kv.in ? kv.in.split(',').map(parseField) : [],
        outputs: kv.out.split(',').map(parseField),
        undef: parseInt(kv.undef ?? '0', 16),
        rows: [],
      };
      forms.push(form);
      continue;
    }
    if (!form) throw new Error(`${where}: data row before any @form`);
    const toks = line.split(/\s+/);
    let undef: number | undefined;
    if (toks[toks.length - 1].startsWith('u=')) undef = parseInt(toks.pop()!.slice(2), 16);
    const want = form.inputs.length + form.outputs.length;
    if (toks.length !== want) throw new Error(`${where}: row has ${toks.length} tokens, form ${form.name} wants ${want}`);
    const ins = form.inputs.map((f, k) => parseToken(f, toks[k], where));
    const outs = form.outputs.map((f, k) => {
      const t = toks[form!.inputs.length + k];
      return t === 'x' ? null : parseToken(f, t, where);
    });
    form.rows.push({ in: ins, out: outs, undef, line: n + 1 });
  }
  return forms;
}

export const VECTOR_DIR = new URL('./vectors/', import.meta.url).pathname;

/** Every form of every vector file (sorted by file name). */
export function loadAllVectors(dir = VECTOR_DIR): Form[] {
  if (!existsSync(dir)) return [];
  const files = readdirSync(dir).filter((f) => f.endsWith('.txt.gz')).sort();
  const forms: Form[] = [];
  for (const f of files) {
    const text = gunzipSync(readFileSync(join(dir, f))).toString('utf8');
    forms.push(...parseVectorFile(text, f.replace(/\.txt\.gz$/, '')));
  }
  return forms;
}
