import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { calloutBoxSize, layoutCallouts, wrapText, type CalloutAnchor } from '../../src/domain/chart/callout-layout.ts';
import { noteLines, NOTE_FONT_PX } from '../../src/domain/chart/chart-notes.ts';
import { insideArea, nearestPointOnRect, overlaps, placeLabels, segmentHitsRect, type Rect } from '../../src/domain/chart/label-layout.ts';
import { layoutPlaceLabels, nameVariants, STRIP_ROW_PX } from '../../src/domain/chart/place-label-layout.ts';
import { textWidthPx } from '../../src/domain/chart/text-width.ts';

// Property tests: seeded (the same cases every run), a bounded number of runs each.
const SEED = 20261202;
const words = fc.array(fc.constantFrom('Charged', 'to', '90 %', 'at', 'Newark', 'stopped', 'charging', 'Milford', 'left', 'with', '32 mi', 'for', 'a', '61 mi', 'leg', '—', 'supported', 'contradicted', 'Supercharger', '(I-95 service plaza)', 'Ωmega', 'x'), { minLength: 1, maxLength: 24 }).map((w) => w.join(' '));
const anyOverlap = (boxes: readonly Rect[], gapX = 0, gapY = gapX) => boxes.some((a, i) => boxes.some((b, j) => j > i && overlaps(a, b, gapX, gapY)));

describe('placeLabels (greedy, collision boxes)', () => {
  it('never places two boxes over each other or outside the area, and takes the cheapest that fits', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.record({ x: fc.integer({ min: -50, max: 400 }), y: fc.integer({ min: -50, max: 300 }), w: fc.integer({ min: 1, max: 200 }), h: fc.integer({ min: 1, max: 60 }), cost: fc.integer({ min: 0, max: 100 }) }), { minLength: 1, maxLength: 8 }), { maxLength: 25 }),
        (requests) => {
          const placed = placeLabels(
            requests.map((cands, k) => ({ key: String(k), candidates: cands.map((c) => ({ box: { left: c.x, top: c.y, right: c.x + c.w, bottom: c.y + c.h }, costPx: c.cost, value: c.cost })) })),
            { widthPx: 400, heightPx: 300, gapXPx: 3, gapYPx: 2 },
          );
          const boxes = placed.flatMap((p) => (p.placed ? [p.box] : []));
          expect(anyOverlap(boxes, 3, 2)).toBe(false);
          expect(boxes.every((b) => insideArea(b, 400, 300))).toBe(true);
          // A request left out had no candidate that was inside and clear of the ones placed before it.
          placed.forEach((p, k) => {
            const before = placed.slice(0, k).flatMap((q) => (q.placed ? [q.box] : []));
            const fitting = requests[k]!.map((c) => ({ box: { left: c.x, top: c.y, right: c.x + c.w, bottom: c.y + c.h }, cost: c.cost })).filter((c) => insideArea(c.box, 400, 300) && !before.some((b) => overlaps(b, c.box, 3, 2)));
            if (!p.placed) expect(fitting).toEqual([]);
            else expect(p.value).toBe(Math.min(...fitting.map((c) => c.cost)));
          });
        },
      ),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('clips segments against boxes and finds where a leader meets a box', () => {
    const box = { left: 10, top: 10, right: 20, bottom: 20 };
    expect(segmentHitsRect(0, 0, 30, 30, box)).toBe(true);
    expect(segmentHitsRect(0, 0, 30, 5, box)).toBe(false);
    expect(segmentHitsRect(15, 0, 15, 9, box)).toBe(false);
    expect(nearestPointOnRect(0, 15, box)).toEqual({ x: 10, y: 15 });
    expect(nearestPointOnRect(25, 30, box)).toEqual({ x: 20, y: 20 });
    expect(nearestPointOnRect(12, 15, box)).toEqual({ x: 10, y: 15 });
  });
});

describe('text widths', () => {
  const require = createRequire(import.meta.url);
  const FONT = join(dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf', 'DejaVuSans.ttf');
  it('match what resvg draws in DejaVu Sans to within a pixel and a half, never much narrower', () => {
    for (const text of ['Newark DE Supercharger (Delaware Welcome Center I-95)', 'Charged to 90 % (242 mi rated) in 49 min at', 'state of charge ≥ 90 % — supported', 'WWW mmm iii 000']) {
      // Bars at both ends: their ink edges are the advance width's edges (minus the bars' own sides).
      const svg = (t: string) => `<svg xmlns="http://www.w3.org/2000/svg" width="2000" height="40"><text x="5" y="20" font-family="DejaVu Sans" font-size="10" xml:space="preserve">${t.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</text></svg>`;
      const ink = (t: string) => new Resvg(svg(t), { font: { fontFiles: [FONT], loadSystemFonts: false, defaultFontFamily: 'DejaVu Sans' } }).getBBox()!.width;
      const drawn = ink(`|${text}|`) - ink('||');
      const estimate = textWidthPx(text, 10);
      expect(Math.abs(estimate - drawn), text).toBeLessThan(1.5);
    }
  });
});

describe('place names in the strip', () => {
  it('shortens a name by its parenthesis, then cuts it', () => {
    expect(nameVariants('Milford CT Supercharger (I-95 service plaza)')).toEqual(['Milford CT Supercharger (I-95 service plaza)', 'Milford CT Supercharger', 'Milford CT Superc…']);
    expect(nameVariants('Depot')).toEqual(['Depot']);
  });

  it('places every name or numbers it, with no two in a row touching and none outside the strip', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ xPx: fc.double({ min: 0, max: 600, noNaN: true }), name: words }), { maxLength: 30 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 120, max: 900 }),
        (raw, rows, widthPx) => {
          const anchors = raw.map((a) => ({ ...a, xPx: Math.min(a.xPx, widthPx) }));
          const { labels, footnotes } = layoutPlaceLabels(anchors, widthPx, rows, 1);
          expect(labels.length + footnotes.length).toBe(anchors.length);
          expect(footnotes.map((f) => f.number)).toEqual(footnotes.map((_, k) => k + 1));
          const boxes = [...labels, ...footnotes.flatMap((f) => (f.marker ? [f.marker] : []))].map((l) => l.box);
          expect(anyOverlap(boxes, 4, 0)).toBe(false);
          expect(boxes.every((b) => insideArea(b, widthPx, rows * STRIP_ROW_PX))).toBe(true);
          // A label starts or ends beside its own rule.
          for (const l of labels) expect(anchors.some((a) => Math.abs(l.box.left - (a.xPx + 3)) < 1e-6 || Math.abs(l.box.right - (a.xPx - 3)) < 1e-6)).toBe(true);
        },
      ),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('stacks close neighbours in rows rather than numbering them', () => {
    // At the left edge neither name fits left of its rule: one row each.
    const { labels, footnotes } = layoutPlaceLabels([{ xPx: 5, name: 'Groton hotel' }, { xPx: 12, name: 'Norwich public charger' }], 800, 2, 1);
    expect(footnotes).toEqual([]);
    expect(new Set(labels.map((l) => l.box.top)).size).toBe(2);
  });
});

describe('call-outs in a panel', () => {
  const area = { widthPx: 700, heightPx: 180 };

  it('keeps every box inside the plot, clear of the others, of every point and of the legend; the rest numbered', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ xPx: fc.integer({ min: 0, max: 700 }), yPx: fc.integer({ min: 0, max: 180 }), text: words }), { maxLength: 14 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 700 }), fc.integer({ min: 0, max: 180 })), { maxLength: 200 }),
        (raw, points) => {
          const anchors: CalloutAnchor[] = raw.map((a, k) => ({ key: `c${k}`, ...a }));
          const legend = { left: 0, top: 0, right: 150, bottom: 30 };
          const { callouts, footnotes } = layoutCallouts(anchors, { ...area, keepClear: [legend] }, Float64Array.from(points.flat()), 1);
          expect(callouts.length + footnotes.length).toBe(anchors.length);
          const boxes = [...callouts.map((c) => c.box), ...footnotes.flatMap((f) => (f.marker ? [f.marker] : []))];
          expect(anyOverlap(boxes, 0)).toBe(false);
          expect(boxes.every((b) => insideArea(b, area.widthPx, area.heightPx))).toBe(true);
          expect(boxes.some((b) => overlaps(b, legend))).toBe(false);
          for (const b of boxes) for (const a of anchors) expect(a.xPx > b.left && a.xPx < b.right && a.yPx > b.top && a.yPx < b.bottom).toBe(false);
          for (const c of callouts) {
            // The box is as big as its text, the text is the call-out's, and the leader ends on the box.
            const size = calloutBoxSize(c.lines);
            expect([c.box.right - c.box.left, c.box.bottom - c.box.top]).toEqual([size.widthPx, size.heightPx]);
            expect(c.lines.join(' ').replace(/…$/, '')).toBe(anchors.find((a) => a.key === c.key)!.text.slice(0, c.lines.join(' ').replace(/…$/, '').length));
            const onEdge = c.leaderEnd.xPx === c.box.left || c.leaderEnd.xPx === c.box.right || c.leaderEnd.yPx === c.box.top || c.leaderEnd.yPx === c.box.bottom;
            expect(onEdge).toBe(true);
          }
        },
      ),
      { seed: SEED, numRuns: 150 },
    );
  });

  it('puts a lone call-out near its point, off the line it would hide', () => {
    const line = Float64Array.from(Array.from({ length: 700 }, (_, x) => [x, 90]).flat());
    const { callouts } = layoutCallouts([{ key: 'c0', xPx: 300, yPx: 90, text: 'Stopped charging at 72 %' }], area, line, 1);
    const [c] = callouts;
    expect(c).toBeDefined();
    expect(c!.box.bottom < 90 || c!.box.top > 90).toBe(true);
    expect(Math.hypot(c!.leaderEnd.xPx - 300, c!.leaderEnd.yPx - 90)).toBeLessThan(60);
  });

  it('numbers what has no room', () => {
    const tiny = { widthPx: 120, heightPx: 40 };
    const { callouts, footnotes } = layoutCallouts(
      [{ key: 'c0', xPx: 60, yPx: 20, text: 'a call-out far too long to fit in a plot this small, whatever the wrap' }],
      tiny,
      new Float64Array(),
      7,
    );
    expect(callouts).toEqual([]);
    expect(footnotes.map((f) => [f.number, f.marker !== undefined])).toEqual([[7, true]]);
  });

  it('wraps at word boundaries and marks what it cuts', () => {
    expect(wrapText('Charged to 90 % (242 mi rated) in 49 min at Newark — supported', 26)).toEqual(['Charged to 90 % (242 mi', 'rated) in 49 min at Newark', '— supported']);
    expect(wrapText('x'.repeat(30), 10)).toEqual(['xxxxxxxxx…']);
  });
});

describe('notes under the chart', () => {
  it('lists every number in order, in lines no wider than the plot', () => {
    fc.assert(
      fc.property(fc.array(words, { maxLength: 20 }), fc.integer({ min: 80, max: 1000 }), (texts, widthPx) => {
        const lines = noteLines(texts.map((text, k) => ({ number: k + 1, text })), widthPx);
        expect(lines.every((l) => textWidthPx(l, NOTE_FONT_PX) <= widthPx + 1e-9)).toBe(true);
        const numbers = [...lines.join(' · ').matchAll(/(?:^| · )(\d+):/g)].map((m) => Number(m[1]));
        expect(numbers).toEqual(texts.map((_, k) => k + 1));
      }),
      { seed: SEED, numRuns: 300 },
    );
  });
});
