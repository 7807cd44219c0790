// The page's static files, smaller as they are copied to dist/assets: CSS minified by esbuild, HTML without comments
// and indentation. The sources keep their comments for the people who edit them; a visit downloads neither.
import { transformSync } from 'esbuild';

/** Browsers the page supports (as for app.js in scripts/build.ts). */
const CSS_TARGET = ['chrome110', 'firefox110', 'safari16'];

/** Comments and each line's indentation go; line breaks stay, so whitespace between inline elements keeps its meaning. */
export function minifyHtml(html: string): string {
  return html
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/\n[ \t]+/g, '\n')
    .replace(/\n{2,}/g, '\n');
}

/** The file as it is served: minified for .css and .html, null for a file that is copied as it is. */
export function minifyAsset(name: string, content: string): string | null {
  if (name.endsWith('.css')) return transformSync(content, { loader: 'css', minify: true, target: CSS_TARGET }).code;
  if (name.endsWith('.html')) return minifyHtml(content);
  return null;
}
