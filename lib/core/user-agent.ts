// A User-Agent in plain words for the list of trusted devices ("Firefox on Windows"): enough for a person to recognise
// their own device, and nothing more (no version, which would only go stale). Order matters: many browsers name
// others in their User-Agent (Edge and Opera say Chrome, Chrome says Safari), so the more specific ones come first.

/** Names that need no translation (Firefox, Windows); null for what the User-Agent does not say, for the reader's words. */
export interface DeviceDescription {
  browser: string | null;
  platform: string | null;
}

const BROWSERS: ReadonlyArray<readonly [RegExp, string]> = [
  [/\bEdg(e|A|iOS)?\//, 'Edge'],
  [/\b(OPR|Opera)\//, 'Opera'],
  [/\bSamsungBrowser\//, 'Samsung Internet'],
  [/\b(Firefox|FxiOS)\//, 'Firefox'],
  [/\b(Chrome|CriOS|Chromium)\//, 'Chrome'],
  [/\bVersion\/[\d.]+.*\bSafari\//, 'Safari'],
];

const PLATFORMS: ReadonlyArray<readonly [RegExp, string]> = [
  [/\b(iPhone|iPod)\b/, 'iOS'],
  [/\biPad\b/, 'iPadOS'],
  [/\bAndroid\b/, 'Android'],
  [/\bCrOS\b/, 'ChromeOS'],
  [/\bWindows\b/, 'Windows'],
  [/\bMac OS X\b|\bMacintosh\b/, 'macOS'],
  [/\bLinux\b/, 'Linux'],
];

function firstMatch(text: string, table: ReadonlyArray<readonly [RegExp, string]>): string | null {
  return table.find(([pattern]) => pattern.test(text))?.[1] ?? null;
}

/** The browser and platform a User-Agent names, in plain words; null for what it does not say. */
export function describeUserAgent(userAgent: string | undefined): DeviceDescription {
  const text = userAgent ?? '';
  return { browser: firstMatch(text, BROWSERS), platform: firstMatch(text, PLATFORMS) };
}
