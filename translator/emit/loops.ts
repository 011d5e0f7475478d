/**
 * Loops as JavaScript loops: blocks inlined into the loop headers that jump
 * to them.
 *
 * A region's blocks are the cases of one `switch` in a labelled loop, and a
 * jump to a block is `pc = k; continue run`: every iteration of a guest
 * loop of several blocks goes through the switch once per block, and V8
 * sees one loop, the dispatcher, whose every local merges at its head.
 * This pass takes the blocks as region.ts emitted them and, in the case of
 * each loop header (a block that a back-edge reaches) whose loop holds no
 * other loop, replaces the jumps to the loop's blocks by the code of those
 * blocks, and their jumps likewise, depth first, within a size budget. A
 * jump back to the header becomes `continue self`, the header's body its
 * own labelled loop: a loop whose blocks fit in its header runs as one
 * JavaScript loop, which V8 optimises as such. Blocks outside the loop (its
 * exits) are not copied: they run once per loop. A loop whose blocks do not
 * all fit is left as it was.
 *
 * Nothing else changes: an inlined block is the same text as its case (its
 * budget check, instruction count, fault points and exits are by index into
 * the region's tables, the same for every copy), each block assigns the
 * temporaries it uses before reading them, and its last statement leaves
 * the loop, continues it, or (a block that runs on into the next case) is
 * followed in a copy by an explicit jump to the next case. The cases stay,
 * so a region entered at an inner block (the code cache's `enterBlock`)
 * and the dispatch case still find them.
 */
import { LABELS } from './abi.ts';
import { block, continueAt, labelledLoop, type Stmt } from './ast.ts';
import { GO_TO_BLOCK, goToBlock } from './statements.ts';

/** One block as region.ts emitted it, before it becomes a case. */
export interface EmittedBlock {
  /** its statements (a self-loop's jumps to itself already `continue self`) */
  body: Stmt[];
  /** its last instruction jumps to itself: the body is its own loop already */
  selfLoop: boolean;
  /** it ends without a jump, running on into the next case */
  fallsThrough: boolean;
}

/** A block longer than this (characters of JavaScript) is never copied into a header. */
export const INLINE_BLOCK_MAX = 1000;
/** What copies may add to one header's case, at most (characters). */
export const INLINE_GROWTH_MAX = 2000;

/** The blocks each block jumps to, by number (running on into the next counts: `fallsThrough[k]`). */
export function successorsOf(texts: readonly string[], fallsThrough: readonly boolean[]): number[][] {
  return texts.map((t, k) => {
    const out = [...t.matchAll(GO_TO_BLOCK)].map((m) => Number(m[1]));
    if (fallsThrough[k] && k + 1 < texts.length) out.push(k + 1);
    return out;
  });
}

/** Blocks a back-edge reaches, in a depth-first walk from the entry (then from any block not reached). */
export function loopHeaders(successors: readonly number[][]): Set<number> {
  const headers = new Set<number>();
  const state = new Uint8Array(successors.length); // 0 new, 1 on the path, 2 done
  const walk = (root: number) => {
    const stack: [number, number][] = [[root, 0]];
    state[root] = 1;
    while (stack.length) {
      const top = stack[stack.length - 1];
      const [k, next] = top;
      if (next < successors[k].length) {
        top[1]++;
        const s = successors[k][next];
        if (state[s] === 1) headers.add(s);
        else if (state[s] === 0) { state[s] = 1; stack.push([s, 0]); }
      } else {
        state[k] = 2;
        stack.pop();
      }
    }
  };
  for (let k = 0; k < successors.length; k++) if (state[k] === 0) walk(k);
  return headers;
}

/**
 * The natural loop of `header`: the blocks reachable from it that reach it
 * again without passing through it, and the header.
 */
export function loopBody(header: number, successors: readonly number[][]): Set<number> {
  const forward = new Set<number>([header]);
  const todo = [header];
  while (todo.length) for (const s of successors[todo.pop()!]) if (!forward.has(s)) { forward.add(s); todo.push(s); }
  const body = new Set<number>([header]);
  const reaches = (k: number) => successors[k].some((s) => body.has(s));
  // grow backwards from the header over the forward-reachable blocks until nothing more reaches the body
  for (let grew = true; grew;) {
    grew = false;
    for (const k of forward) if (!body.has(k) && reaches(k)) { body.add(k); grew = true; }
  }
  return body;
}

/**
 * Are the ways back to `header` (from `latches`) one loop (the arms of an
 * `if` in its body, each jumping back) rather than loops inside one
 * another (an inner loop whose way out runs through the outer body back to
 * the same test)? Each way back's own loop, the blocks that reach its
 * latch without passing the header, must not hold another's.
 */
export function oneLoop(header: number, latches: readonly number[], successors: readonly number[][]): boolean {
  if (latches.length < 2) return true;
  const loops = latches.map((latch) => {
    const seen = new Set<number>([header, latch]);
    const todo = [latch];
    while (todo.length) {
      const k = todo.pop()!;
      successors.forEach((out, p) => { if (out.includes(k) && !seen.has(p)) { seen.add(p); todo.push(p); } });
    }
    return seen;
  });
  const within = (a: Set<number>, b: Set<number>) => a.size < b.size && [...a].every((k) => b.has(k));
  return loops.every((a) => loops.every((b) => !within(a, b)));
}

/** Each block as one statement (region.ts makes it a switch case), each simple loop's blocks inlined into its header's. */
export function structureLoops(blocks: readonly EmittedBlock[]): Stmt[] {
  const texts = blocks.map((b) => b.body.join(''));
  const successors = successorsOf(texts, blocks.map((b) => b.fallsThrough));
  const headers = loopHeaders(successors);
  // a copy of block k: its text, and the jump into the next case it would run on into
  const copyOf = (k: number) => (blocks[k].fallsThrough ? texts[k] + goToBlock(k + 1).join('') : texts[k]);
  return blocks.map((b, root) => {
    let text = texts[root];
    let loops = b.selfLoop;
    const body = headers.has(root) && !b.selfLoop ? loopBody(root, successors) : undefined;
    // only a loop with no loop inside: an inner loop stays a JavaScript loop of its own (a block that loops
    // on itself, or a header's case), which the outer one would otherwise enter through the dispatcher; an
    // inner loop may also share the header with the outer one (its way out runs through the outer body
    // back to the same test), and one JavaScript loop would merge them (the built-in guest's sort ran
    // 10 % slower so)
    const simple = body && [...body].every((k) => k === root || (!headers.has(k) && !blocks[k].selfLoop))
      && oneLoop(root, [...body].filter((k) => successors[k].includes(root)), successors);
    if (body && simple) {
      let budget = INLINE_GROWTH_MAX;
      const expand = (t: string, path: readonly number[]): string => t.replace(GO_TO_BLOCK, (jump, n: string) => {
        const k = Number(n);
        if (k === root) { loops = true; return continueAt(LABELS.self); }
        if (!body.has(k) || path.includes(k)) return jump;
        const copy = copyOf(k);
        if (copy.length > INLINE_BLOCK_MAX || copy.length > budget) return jump;
        budget -= copy.length;
        return block([expand(copy, [...path, k])]);
      });
      const expanded = expand(text, [root]);
      // a loop some of whose blocks did not fit still goes through the dispatcher: only more code then
      const left = [...expanded.matchAll(GO_TO_BLOCK)].some((m) => body.has(Number(m[1])));
      if (left) loops = b.selfLoop;
      else text = expanded;
    }
    // a loop's body must not run on into the next case: it would go round again (a self-loop never does)
    if (loops && b.fallsThrough) text += goToBlock(root + 1).join('');
    return loops ? labelledLoop(LABELS.self, [text]) : block([text]);
  });
}
