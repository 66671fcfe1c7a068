// The signals web page in a real browser: headless Chromium (Debian's `chromium`, installed by `npm test`) driven by
// playwright-core, against the page served from this repo and a company of the test's own under the default load.
// Every row of the table must show a number, the browser console must stay free of errors, the sparklines must be
// uPlot canvases. The screenshot it takes is the one docs/signals-page.md shows.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';
import { runLoad } from '../packages/demo/src/loadgen/engine.ts';
import { type PageData, type PageServer, startSignalsPage } from '../packages/demo/src/signals/page.ts';
import { SIGNALS } from '../packages/demo/src/signals/table.ts';
import { endpoints, type OwnCompany, startOwnCompany, waitFor } from './support.ts';

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOT = join(import.meta.dirname, '..', 'docs', 'images', 'signals-page.png');
let company: OwnCompany;
let page: PageServer;
const load = new AbortController();
let loadDone: Promise<unknown> = Promise.resolve();

before(async () => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: npm test installs Debian's chromium package`);
  company = await startOwnCompany(`foursignals-page-${Date.now().toString(36)}`);
  loadDone = runLoad({
    targets: company.targets,
    rate: 20,
    durationSec: 0,
    faultsFile: company.faultsFile,
    runId: company.namespace,
    signal: load.signal,
  });
  page = await startSignalsPage(endpoints, 0);
});

after(async () => {
  load.abort();
  await loadDone;
  await page?.close();
  await company?.stop();
});

test('the signals page shows every row with a number, in headless Chromium, without console errors', async () => {
  // the page's own data first: every row has a value once the load has run (rates need a minute of samples)
  const data = await waitFor(
    'every row of the page to have a value',
    async () => (await (await fetch(new URL('/api/signals', page.url))).json()) as PageData,
    (d) => d.rows.every((r) => !r.missing),
    240_000,
  ).catch(async () => (await (await fetch(new URL('/api/signals', page.url))).json()) as PageData);
  assert.deepEqual(
    data.rows.filter((r) => r.missing).map((r) => r.id),
    [],
    'rows without a value',
  );
  assert.deepEqual(
    data.rows.map((r) => r.id),
    SIGNALS.map((r) => r.id),
    'one row per row of the table, in its order',
  );
  assert.equal(data.alerts_error, undefined, 'Alertmanager answered');

  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  try {
    const tab = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems: string[] = [];
    tab.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    tab.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    tab.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
    await tab.goto(page.url);
    await tab.waitForFunction((n) => document.querySelectorAll('#signals tbody tr').length === n, SIGNALS.length, {
      timeout: 30_000,
    });
    // every value cell holds a number (a row can be missing for a moment right after a refresh: wait for it)
    await tab
      .waitForFunction(
        () => [...document.querySelectorAll('#signals tbody td.value')].every((td) => /\d/.test(td.textContent ?? '')),
        undefined,
        { timeout: 30_000 },
      )
      .catch(() => undefined);
    const cells = await tab.$$eval('#signals tbody tr', (trs) =>
      trs.map((tr) => ({
        id: (tr as HTMLElement).dataset.id ?? '',
        value: tr.querySelector('td.value')?.textContent ?? '',
        sparkline: tr.querySelector('td.spark canvas') !== null,
        query: tr.querySelector('td.query a')?.getAttribute('href') ?? '',
      })),
    );
    const noNumber = cells.filter((c) => !/\d/.test(c.value) || /missing/.test(c.value));
    assert.deepEqual(noNumber, [], 'rows that show no number');
    assert.deepEqual(
      cells.filter((c) => !c.sparkline).map((c) => c.id),
      [],
      'rows without a uPlot sparkline',
    );
    for (const c of cells) assert.match(c.query, /\/graph\?g0\.expr=/, `${c.id}: a link to its PromQL in Prometheus`);
    mkdirSync(join(SCREENSHOT, '..'), { recursive: true });
    await tab.screenshot({ path: SCREENSHOT, fullPage: true });
    console.log(`# screenshot: ${SCREENSHOT}`);
    assert.deepEqual(problems, [], 'browser console errors');
  } finally {
    await browser.close();
  }
});
