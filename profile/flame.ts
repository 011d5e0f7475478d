/**
 * A flame graph as SVG: stacks (root first, each with a weight) merged
 * into a tree, each node a box as wide as its share of the total, children
 * above their parent, siblings by name. Every box has a `<title>` (name,
 * weight, share) so a browser shows it on hover; names are escaped (they
 * come from the guest's symbol table). No script, no external resources.
 */

interface Node {
  name: string;
  weight: number;
  children: Map<string, Node>;
}

export interface WeightedStack {
  /** root first */
  frames: string[];
  weight: number;
}

const ROW = 17, WIDTH = 1200, MIN_PX = 0.3;

export function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function tree(stacks: WeightedStack[]): Node {
  const root: Node = { name: 'all', weight: 0, children: new Map() };
  for (const s of stacks) {
    root.weight += s.weight;
    let n = root;
    for (const f of s.frames) {
      let c = n.children.get(f);
      if (!c) n.children.set(f, (c = { name: f, weight: 0, children: new Map() }));
      c.weight += s.weight;
      n = c;
    }
  }
  return root;
}

function depthOf(n: Node): number {
  let d = 0;
  for (const c of n.children.values()) d = Math.max(d, depthOf(c));
  return d + 1;
}

/** A stable colour per name (warm hues, as flame graphs use). */
function colour(name: string): string {
  let h = 0;
  for (let k = 0; k < name.length; k++) h = (h * 31 + name.charCodeAt(k)) >>> 0;
  return `hsl(${(h % 50) + 5},${70 + (h % 20)}%,${55 + (h % 15)}%)`;
}

export function flameGraphSvg(stacks: WeightedStack[], title: string): string {
  const root = tree(stacks);
  const depth = depthOf(root);
  const height = (depth + 1) * ROW + 24;
  const scale = root.weight ? WIDTH / root.weight : 0;
  const boxes: string[] = [];
  const draw = (n: Node, x: number, level: number) => {
    const w = n.weight * scale;
    if (w < MIN_PX) return;
    const y = height - (level + 1) * ROW;
    const share = root.weight ? ((n.weight / root.weight) * 100).toFixed(1) : '0';
    const label = w > 40 ? `<text x="${(x + 3).toFixed(1)}" y="${y + 12}">${escapeXml(n.name.slice(0, Math.floor(w / 7)))}</text>` : '';
    boxes.push(`<g><title>${escapeXml(n.name)}: ${n.weight} (${share}%)</title><rect x="${x.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${ROW - 1}" fill="${colour(n.name)}"/>${label}</g>`);
    let cx = x;
    for (const c of [...n.children.values()].sort((a, b) => a.name.localeCompare(b.name))) {
      draw(c, cx, level + 1);
      cx += c.weight * scale;
    }
  };
  draw(root, 0, 0);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="monospace" font-size="11">`,
    `<text x="4" y="16" font-size="13">${escapeXml(title)}</text>`,
    ...boxes,
    '</svg>',
  ].join('\n');
}
