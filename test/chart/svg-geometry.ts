import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Resvg } from '@resvg/resvg-js';

/**
 * Geometry of a chart as drawn, read back from the SVG that Vega wrote: where each text element's
 * ink really is (each text is drawn alone, with its ancestors' transforms, by resvg with the
 * bundled DejaVu fonts: the real glyphs, not the layout's width estimate) and where each view's
 * plot area is. Coordinates are the SVG's own (its viewBox), y down.
 */
export interface Box {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

export interface SvgText {
  /** The text, lines joined by "\n". */
  text: string;
  /** Classes of the mark group it belongs to ("mark-text role-mark place_label_marks"). */
  markClass: string;
  box: Box;
}

interface Node {
  tag: string;
  attrs: string;
  children: (Node | string)[];
  parent: Node | undefined;
}

const require = createRequire(import.meta.url);
const FONT_DIR = join(dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf');
const FONTS = ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf', 'DejaVuSans-Oblique.ttf'].map((f) => join(FONT_DIR, f));

function parse(svg: string): Node {
  const root: Node = { tag: '#root', attrs: '', children: [], parent: undefined };
  let at = root;
  for (const m of svg.matchAll(/<(\/?)([a-zA-Z][\w:-]*)([^>]*?)(\/?)>|([^<]+)/g)) {
    if (m[5] !== undefined) {
      at.children.push(m[5]);
      continue;
    }
    if (m[1]) {
      at = at.parent ?? root;
      continue;
    }
    const node: Node = { tag: m[2]!, attrs: m[3]!, children: [], parent: at };
    at.children.push(node);
    if (!m[4]) at = node;
  }
  return root;
}

const attr = (n: Node, name: string) => new RegExp(`\\s${name}="([^"]*)"`).exec(n.attrs)?.[1];
const textOf = (n: Node): string => n.children.map((k) => (typeof k === 'string' ? k : textOf(k))).join(lineBreakOf(n));
/** Lines of a multi-line text are its tspans. */
const lineBreakOf = (n: Node) => (n.children.some((k) => typeof k !== 'string' && k.tag === 'tspan') ? '\n' : '');
const decode = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');

function serialise(n: Node | string): string {
  if (typeof n === 'string') return n;
  return `<${n.tag}${n.attrs}>${n.children.map(serialise).join('')}</${n.tag}>`;
}

function walk(n: Node, visit: (n: Node) => void): void {
  visit(n);
  for (const k of n.children) if (typeof k !== 'string') walk(k, visit);
}

/** The absolute translation of a node (Vega groups only translate). */
function offsetOf(n: Node | undefined): [number, number] {
  let x = 0;
  let y = 0;
  for (let at = n; at; at = at.parent) {
    const t = /translate\(([-\d.e]+)[ ,]([-\d.e]+)\)/.exec(attr(at, 'transform') ?? '');
    if (t && at.tag === 'g') {
      x += Number(t[1]);
      y += Number(t[2]);
    }
  }
  return [x, y];
}

export function svgSize(svg: string): { viewBoxWidth: number; viewBoxHeight: number; width: number; height: number } {
  const root = parse(svg).children.find((k): k is Node => typeof k !== 'string' && k.tag === 'svg')!;
  const [, , w, h] = (attr(root, 'viewBox') ?? '').split(/\s+/).map(Number);
  return { viewBoxWidth: w!, viewBoxHeight: h!, width: Number(attr(root, 'width')), height: Number(attr(root, 'height')) };
}

/** Every text element with its measured ink box. */
export function svgTexts(svg: string): SvgText[] {
  const root = parse(svg);
  const svgNode = root.children.find((k): k is Node => typeof k !== 'string' && k.tag === 'svg')!;
  const out: SvgText[] = [];
  walk(svgNode, (n) => {
    // Vega hides the tick labels it drops for overlap (labelOverlap) with opacity 0.
    if (n.tag !== 'text' || attr(n, 'opacity') === '0') return;
    const chain: Node[] = [];
    for (let at = n.parent; at && at !== svgNode; at = at.parent) chain.unshift(at);
    const markClass = [...chain].reverse().map((g) => attr(g, 'class') ?? '').find((k) => k.startsWith('mark-')) ?? '';
    const open = chain.map((g) => `<g${(attr(g, 'transform') ? ` transform="${attr(g, 'transform')}"` : '')}>`).join('');
    const alone = `<svg${svgNode.attrs}>${open}${serialise(n)}${'</g>'.repeat(chain.length)}</svg>`;
    const bbox = new Resvg(alone, { font: { fontFiles: FONTS, loadSystemFonts: false, defaultFontFamily: 'DejaVu Sans' } }).getBBox();
    if (!bbox) return;
    out.push({ text: decode(textOf(n)), markClass, box: { left: bbox.x, top: bbox.y, right: bbox.x + bbox.width, bottom: bbox.y + bbox.height } });
  });
  return out;
}

/** The plot area of each view of the vconcat, in order (strip, panels, notes). */
export function svgPlots(svg: string): Box[] {
  const plots: Box[] = [];
  walk(parse(svg), (n) => {
    if (n.tag !== 'g' || !/role-scope (concat_\d+|chart_note)_group/.test(attr(n, 'class') ?? '')) return;
    const inner = n.children.find((k): k is Node => typeof k !== 'string' && k.tag === 'g')!;
    const bg = inner.children.find((k): k is Node => typeof k !== 'string' && k.tag === 'path' && attr(k, 'class') === 'background')!;
    const d = /M([-\d.]+),([-\d.]+)h([-\d.]+)v([-\d.]+)/.exec(attr(bg, 'd') ?? '')!;
    const [ox, oy] = offsetOf(inner);
    const left = ox + Number(d[1]) - 0.5;
    const top = oy + Number(d[2]) - 0.5;
    plots.push({ left, top, right: left + Number(d[3]), bottom: top + Number(d[4]) });
  });
  return plots;
}

/** Rectangles drawn by a rect mark (Vega writes them as paths "M x,y h w v h h -w Z"), absolute. */
export function svgRects(svg: string, markClassPattern: RegExp): Box[] {
  const rects: Box[] = [];
  walk(parse(svg), (n) => {
    if (n.tag !== 'g' || !markClassPattern.test(attr(n, 'class') ?? '')) return;
    const [ox, oy] = offsetOf(n);
    for (const k of n.children) {
      if (typeof k === 'string' || k.tag !== 'path') continue;
      const d = /M([-\d.]+),([-\d.]+)h([-\d.]+)v([-\d.]+)/.exec(attr(k, 'd') ?? '');
      if (!d) continue;
      const [tx, ty] = (/translate\(([-\d.e]+),([-\d.e]+)\)/.exec(attr(k, 'transform') ?? '')?.slice(1) ?? ['0', '0']).map(Number);
      const left = ox + tx! + Number(d[1]);
      const top = oy + ty! + Number(d[2]);
      rects.push({ left, top, right: left + Number(d[3]), bottom: top + Number(d[4]) });
    }
  });
  return rects;
}

/** Texts placed by the chart's label layout (place names, call-outs, their numbers, the notes). */
export function labelTexts(texts: readonly SvgText[]): SvgText[] {
  return texts.filter((t) => /role-mark (place_label|callout_text_|callout_number_|chart_note)/.test(t.markClass));
}

const hit = (a: Box, b: Box) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;

/** Every pair of texts whose ink boxes overlap. */
export function overlapping(texts: readonly SvgText[]): [SvgText, SvgText][] {
  const out: [SvgText, SvgText][] = [];
  for (let i = 0; i < texts.length; i++) for (let j = i + 1; j < texts.length; j++) if (hit(texts[i]!.box, texts[j]!.box)) out.push([texts[i]!, texts[j]!]);
  return out;
}

/** The texts not wholly inside one of the plots. */
export function outsideOf(texts: readonly SvgText[], plots: readonly Box[]): SvgText[] {
  return texts.filter((t) => !plots.some((p) => t.box.left >= p.left - 0.5 && t.box.right <= p.right + 0.5 && t.box.top >= p.top - 0.5 && t.box.bottom <= p.bottom + 0.5));
}
