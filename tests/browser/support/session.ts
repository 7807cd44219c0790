// One browser test file's setup: the local stack and Chromium for the file, a fresh context per page, the clock at T0.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from './chromium';
import { startPageStack, type PageStack, type PageStackOptions } from './stack';
import { watchPage, type PageWatch } from './watch';

/** 10 s into a 30 s (or 60 s) step: the emulator and the page both stand still here, so every code is known in advance. */
export const T0 = Date.UTC(2030, 0, 15, 9, 0, 10);

export interface OpenPageOptions {
  /** The enrollment page unless given (e.g. with a #token= fragment). */
  url?: string;
  /** Viewport width in CSS px; 375, a phone, unless given. */
  width?: number;
  colorScheme?: 'light' | 'dark';
  reducedMotion?: 'reduce' | 'no-preference';
  /** The browser's language (navigator.languages, Accept-Language); en-US unless given. */
  locale?: string;
  /** false leaves the browser clock running, for tests that never look at codes or countdowns. */
  pinClock?: boolean;
  /** Runs once the page exists and before it loads, e.g. to route a request the page makes at start-up. */
  beforeGoto?: (page: Page) => Promise<void>;
}

export interface OpenedPage {
  context: BrowserContext;
  page: Page;
  watch: PageWatch;
}

export interface BrowserSuite {
  readonly stack: PageStack;
  /** Sets the emulator's clock to T0, opens a context and a watched page, and goes to the page. */
  openPage(options?: OpenPageOptions): Promise<OpenedPage>;
}

/**
 * Registers the file's beforeAll/afterEach/afterAll hooks; call it once at the top level of a test file. `stackOptions`
 * is read when the stack starts, after the file's earlier beforeAll hooks (e.g. one that starts another origin).
 */
export function useBrowserSuite(stackOptions: () => PageStackOptions = () => ({})): BrowserSuite {
  let stack: PageStack | undefined;
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    [stack, browser] = await Promise.all([startPageStack(stackOptions()), launchChromium()]);
  });

  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((context) => context.close()));
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  function started(): { stack: PageStack; browser: Browser } {
    // Only before beforeAll has run (or after it failed), i.e. when used outside a test or hook.
    if (stack === undefined || browser === undefined) throw new Error('the browser suite has not started (use it inside tests and hooks)');
    return { stack, browser };
  }

  return {
    get stack() {
      return started().stack;
    },
    async openPage(options = {}) {
      const { stack, browser } = started();
      await stack.setClock(T0);
      const context = await browser.newContext({
        viewport: { width: options.width ?? 375, height: 812 },
        colorScheme: options.colorScheme ?? 'light',
        reducedMotion: options.reducedMotion ?? 'reduce',
        locale: options.locale ?? 'en-US',
        timezoneId: 'UTC',
      });
      // Tracked before anything else can fail, so afterEach closes it whatever happens next.
      contexts.push(context);
      const page = await context.newPage();
      const watch = watchPage(page, stack.origin);
      // The page's countdown reads the browser clock; pin it to the emulator's instant.
      if (options.pinClock ?? true) await page.clock.setFixedTime(T0);
      await options.beforeGoto?.(page);
      await page.goto(options.url ?? stack.pageUrl);
      return { context, page, watch };
    },
  };
}
