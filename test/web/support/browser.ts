import { chromium, type Browser, type Page } from 'playwright-core';
import { fromRoot } from '../../helpers/paths.js';

/** Where the browser tests write their screenshots (a folder of test artefacts, not checked in). */
export const ARTIFACTS = fromRoot('test-artifacts', 'web');
/** The longest a step of a journey may wait for the page (a loaded 2-CPU machine is slow). */
export const STEP_MS = 90_000;
/** Debian's chromium, headless, with nothing that reaches beyond loopback. */
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS, timeout: 60_000 });
}

/** A console or page error, with the journey's step it happened in. */
export interface PageProblem {
  readonly step: string;
  readonly text: string;
}

/**
 * A page for one journey (English, the step timeout) whose console errors and page errors are pushed
 * onto `problems`, each with the step `step()` names at that moment.
 */
export async function journeyPage(browser: Browser, baseURL: string, step: () => string, problems: PageProblem[]): Promise<Page> {
  const page = await browser.newPage({ baseURL, locale: 'en-US' });
  page.setDefaultTimeout(STEP_MS);
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push({ step: step(), text: m.text() });
  });
  page.on('pageerror', (e) => problems.push({ step: step(), text: `pageerror: ${e.message}` }));
  return page;
}
