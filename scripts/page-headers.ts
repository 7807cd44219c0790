// The local stack's page headers: each built HTML page's own Content-Security-Policy and referrer policy (its <meta>
// tags) sent as headers too, with nosniff, so tests see the policies a browser gets from the deployed page.
import { readFileSync } from 'node:fs';

export type PageHeaders = ReadonlyMap<string, Readonly<Record<string, string>>>;

/** The `content` of the first <meta> whose `attribute` is `value`, or undefined. */
function metaContent(html: string, attribute: string, value: string): string | undefined {
  const tag = [...html.matchAll(/<meta\b[^>]*>/gi)].map((match) => match[0]).find((meta) => meta.includes(`${attribute}="${value}"`));
  return tag === undefined ? undefined : /content="([^"]*)"/.exec(tag)?.[1];
}

/** The headers each HTML asset declares, by route (`/index.html`); `files` maps a route to its built file. */
export function pageHeadersOf(files: ReadonlyArray<{ path: string; filePath: string }>): PageHeaders {
  const headers = new Map<string, Record<string, string>>();
  for (const file of files) {
    if (!file.path.endsWith('.html')) continue;
    const html = readFileSync(file.filePath, 'utf8');
    const csp = metaContent(html, 'http-equiv', 'Content-Security-Policy');
    const referrer = metaContent(html, 'name', 'referrer');
    headers.set(file.path, {
      'X-Content-Type-Options': 'nosniff',
      ...(csp !== undefined && { 'Content-Security-Policy': csp }),
      ...(referrer !== undefined && { 'Referrer-Policy': referrer }),
    });
  }
  return headers;
}
