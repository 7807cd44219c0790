// Keyboard-only navigation: Tab until a control with the given role and name has focus, as a keyboard user would.
import type { Page } from 'playwright-core';

/** "button:Verify", "textbox:Code", "checkbox:I have saved these codes", "link:…" for the focused element. */
const DESCRIBE_FOCUS = `(() => {
  const el = document.activeElement;
  if (!el || el === document.body) return 'body:';
  const tag = el.tagName.toLowerCase();
  const role = tag === 'input' ? (el.type === 'checkbox' ? 'checkbox' : 'textbox') : tag === 'a' ? 'link' : tag;
  const name = el.labels && el.labels.length > 0 ? el.labels[0].textContent : el.textContent;
  return role + ':' + (name || '').replace(/\\s+/g, ' ').trim();
})()`;

export async function describeFocus(page: Page): Promise<string> {
  return String(await page.evaluate(DESCRIBE_FOCUS));
}

/** Presses Tab (or `key`, e.g. Shift+Tab) until `target` (as describeFocus writes it) has focus; fails after `maxPresses`. */
export async function tabTo(page: Page, target: string, maxPresses = 30, key = 'Tab'): Promise<void> {
  const seen: string[] = [];
  for (let presses = 0; presses < maxPresses; presses += 1) {
    const focused = await describeFocus(page);
    if (focused === target) return;
    seen.push(focused);
    await page.keyboard.press(key);
  }
  throw new Error(`Tab never reached ${target}; focus went through: ${seen.join(' → ')}`);
}
