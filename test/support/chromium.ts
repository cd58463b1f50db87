// Debian's Chromium for browser tests, driven by playwright-core (no downloaded browser). Where it
// is missing the browser tests skip, and say so loudly: `.ci/run` installs it, so CI never skips.
// Every page a test shows is checked with axe-core and at 360 px wide (the helpers below).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import axe from 'axe-core';
import { type Browser, chromium, type Locator, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/** Why browser tests cannot run here, or undefined when they can. */
export const chromiumMissing = existsSync(CHROMIUM)
  ? undefined
  : `no Chromium at ${CHROMIUM}: browser tests SKIPPED (apt-get install -y chromium; .ci/run installs it)`;

if (chromiumMissing) process.stderr.write(`\n*** ${chromiumMissing} ***\n\n`);

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Without the networking flags Chromium keeps calling hosts this machine cannot reach.
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/** axe-core in the page: no serious or critical violation. */
export async function expectAccessible(on: Page, what: string): Promise<void> {
  await on.evaluate(axe.source);
  const result = (await on.evaluate(() =>
    (globalThis as any).axe.run({ resultTypes: ['violations'] }),
  )) as axe.AxeResults;
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(
    bad.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`),
    [],
    `${what}: accessibility violations`,
  );
}

/**
 * axe's color-contrast rule on one element while it is hovered or focused: axe alone sees a page
 * at rest, and a hover rule can undo a pair checked there. The element must pass, not be left
 * "incomplete" (axe could not tell), so the check cannot pass by not looking.
 */
export async function expectContrastWhile(
  on: Page,
  target: Locator,
  state: 'hover' | 'focus',
  what: string,
): Promise<void> {
  if (state === 'hover') await target.hover();
  else await target.focus();
  if (!(await on.evaluate(() => 'axe' in globalThis))) await on.evaluate(axe.source);
  const result = (await target.evaluate((element) =>
    (globalThis as any).axe.run(element, { runOnly: ['color-contrast'] }),
  )) as axe.AxeResults;
  const failures = [...result.violations, ...result.incomplete].flatMap((rule) =>
    rule.nodes.map((node) => node.failureSummary ?? rule.id),
  );
  assert.deepEqual(failures, [], `${what}, ${state}: contrast`);
  assert.ok(result.passes.length > 0, `${what}, ${state}: axe checked the contrast`);
  await on.mouse.move(0, 0);
}

/** At 360 px wide the page does not scroll sideways (a screenshot goes to `screenshot`); back to the wide view after. */
export async function expectFitsNarrowScreen(on: Page, what: string, screenshot: string): Promise<void> {
  const size = on.viewportSize()!;
  await on.setViewportSize({ width: 360, height: 740 });
  const width = await on.evaluate(() => (globalThis as any).document.documentElement.scrollWidth as number);
  await on.screenshot({ path: screenshot, fullPage: true });
  await on.setViewportSize(size);
  assert.ok(width <= 360, `${what} is ${width} px wide at 360`);
}
