/**
 * The HTML report as a person opens it: headless Debian Chromium renders the report of a compare
 * run with a known race (test/helpers/known-race.ts: a clean `none` run, then release-on-reset's
 * COLLATERAL) at 1400×900, and
 * - the verdict table and release-on-reset's story (cancel, pool race, the frame the client could
 *   not parse, its GOAWAY, the streams taken down) are inside the first viewport;
 * - the story's link lands on that connection's timeline;
 * - the legend lists exactly the marks the timelines use, each drawn in the same colour, one
 *   colour per outcome.
 * The first screen's screenshot goes to test-output/report-first-screen.png (git-ignored).
 * Skipped, with the reason, when chromium is missing.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import type { CompareResult } from '../../scenario/compare.js';
import { renderHtmlReport } from '../../scenario/report-html.js';
import { compareWithKnownRace } from '../helpers/known-race.js';

const CHROMIUM = '/usr/bin/chromium';
const OUT = join(import.meta.dirname, '..', '..', 'test-output');
const VIEWPORT = { width: 1400, height: 900 };
if (!existsSync(CHROMIUM)) console.warn(`report browser test skipped: ${CHROMIUM} not installed`);

describe.skipIf(!existsSync(CHROMIUM))('the HTML report in headless Chromium', () => {
  let browser: Browser;
  let result: CompareResult;

  beforeAll(async () => {
    result = await compareWithKnownRace(['none', 'release-on-reset']);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--no-first-run'] });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('tells the race on its first screen, links it to its timeline, and its legend is the picture\'s', async () => {
    const bug = result.runs[1]!.summary;
    const why = JSON.stringify(bug.damage[0] ?? bug);
    expect(bug.verdict, why).toBe('COLLATERAL');
    mkdirSync(OUT, { recursive: true });
    const file = join(OUT, 'report.html');
    writeFileSync(file, renderHtmlReport(result.runs));
    const page = await browser.newPage({ viewport: VIEWPORT });
    try {
      await page.goto(`file://${file}`);
      await page.screenshot({ path: join(OUT, 'report-first-screen.png') });

      const bottom = async (selector: string): Promise<number> => {
        const box = await page.locator(selector).boundingBox();
        expect(box, selector).not.toBeNull();
        return box!.y + box!.height;
      };
      expect(await bottom('table.summary')).toBeLessThanOrEqual(VIEWPORT.height);
      const story = page.locator('section.story').filter({ hasText: 'release-on-reset' });
      await expect(story.count()).resolves.toBe(1);
      const storyBox = await story.boundingBox();
      expect(storyBox!.y + storyBox!.height, why).toBeLessThanOrEqual(VIEWPORT.height);
      const steps = await story.locator('li .step').allTextContents();
      expect(steps, why).toEqual(['cancel', 'pool race', 'bad frame', 'GOAWAY', 'taken down']);
      const text = await story.innerText();
      expect(text).toMatch(/we cancelled video stream \d+/);
      expect(text).toMatch(/the proxy's pool handed the buffer of stream \d+'s pending \w+ frame/);
      expect(text).toMatch(/the client answered GOAWAY (PROTOCOL_ERROR|FRAME_SIZE_ERROR|COMPRESSION_ERROR|INTERNAL_ERROR)/);
      expect(text).toMatch(/died with it: SSE stream/);
      // No clean mode tells a story.
      await expect(page.locator('section.story').filter({ hasText: /^none/ }).count()).resolves.toBe(0);

      // The link jumps to that connection's timeline, drawn with the story's race and GOAWAY on it.
      const href = await story.locator('a').getAttribute('href');
      expect(href).toMatch(/^#run1-conn\d+$/);
      const target = page.locator(href!);
      await expect(target.count()).resolves.toBe(1);
      const drawn = target.locator('xpath=following-sibling::*[1]');
      await expect(drawn.getAttribute('class')).resolves.toBe('timeline');
      await expect(drawn.locator('[data-mark="m-race"]').count()).resolves.toBe(1);
      await expect(drawn.locator('[data-mark="m-goaway-client"]').count()).resolves.toBeGreaterThan(0);
      await page.click(`a[href="${href}"]`);
      const landed = await target.boundingBox();
      expect(landed!.y).toBeGreaterThanOrEqual(0);
      expect(landed!.y).toBeLessThan(VIEWPORT.height);

      // Legend ⇔ marks, and each legend sample painted as the marks it stands for.
      const legend = await page.locator('.legend [data-mark]').evaluateAll((keys) => keys.map((k) => k.getAttribute('data-mark')!));
      const used = await page.locator('svg.timeline [data-mark]').evaluateAll((marks) => [...new Set(marks.map((m) => m.getAttribute('data-mark')!))]);
      expect([...legend].sort()).toEqual([...used].sort());
      expect(new Set(legend).size).toBe(legend.length);
      expect(await bottom('.legend')).toBeLessThanOrEqual(await page.locator('table.summary').boundingBox().then((b) => b!.y));
      const paint = (selector: string): Promise<string> =>
        page.locator(selector).first().evaluate((el) => {
          const style = getComputedStyle(el);
          return `${style.fill} ${style.stroke}`;
        });
      const outcomeColours = new Map<string, string>();
      for (const mark of legend) {
        const sample = `.legend [data-mark="${mark}"] svg > *`;
        const onTimeline = `svg.timeline [data-mark="${mark}"] > :not(title):not(text.gl)`;
        expect(await paint(sample), mark).toBe(await paint(onTimeline));
        if (mark.startsWith('o-')) outcomeColours.set(mark, await paint(sample));
      }
      expect(outcomeColours.size, 'outcomes drawn').toBeGreaterThanOrEqual(3);
      expect(new Set(outcomeColours.values()).size, JSON.stringify([...outcomeColours])).toBe(outcomeColours.size);
    } finally {
      await page.close();
    }
  });
});
