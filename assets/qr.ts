// Draws an otpauth:// URI as a QR code in inline SVG, from the modules that the bundled qrcode computes.
// SVG rather than toDataURL: no PNG encoding and decoding on the way to the screen, sharp at any zoom, and the
// Content-Security-Policy needs no data: images.
/// <reference path="./qrcode-core.d.ts" />
// The encoder alone: the package's entry point would also bundle its canvas, SVG-string and data-URL renderers.
import { create } from 'qrcode/lib/core/qrcode';

const SVG_NS = 'http://www.w3.org/2000/svg';
/** ISO/IEC 18004 asks for a quiet zone of four modules around the symbol. */
const QUIET_ZONE = 4;
/** CSS pixels per module at natural size: whole pixels keep the code sharp for phone cameras. */
const MODULE_PIXELS = 4;
// Level M survives a slightly blurred or glared screen and keeps the code small enough to scan from a phone.
const ERROR_CORRECTION = 'M';

/**
 * One byte-mode segment: an otpauth URI is mostly lower-case text, which no other mode encodes, and handing qrcode the
 * segment spares the page the code of the other modes and their optimiser (the build leaves them out: scripts/build.ts).
 */
function encode(text: string): ReturnType<typeof create> {
  return create([{ data: new TextEncoder().encode(text), mode: 'byte' }], { errorCorrectionLevel: ERROR_CORRECTION });
}

/** One path for all dark modules, each row's runs of dark modules merged into one rectangle. */
function darkModulesPath(size: number, isDark: (row: number, col: number) => boolean): string {
  const parts: string[] = [];
  for (let row = 0; row < size; row += 1) {
    let col = 0;
    while (col < size) {
      if (!isDark(row, col)) {
        col += 1;
        continue;
      }
      const start = col;
      while (col < size && isDark(row, col)) col += 1;
      parts.push(`M${start + QUIET_ZONE} ${row + QUIET_ZONE}h${col - start}v1h${start - col}z`);
    }
  }
  return parts.join('');
}

/** An <svg role="img"> (the caller gives it its accessible name); always dark on white, whatever the colour scheme. */
export function renderQrSvg(uri: string): SVGSVGElement {
  const { modules } = encode(uri);
  const extent = modules.size + 2 * QUIET_ZONE;

  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('viewBox', `0 0 ${extent} ${extent}`);
  svg.setAttribute('width', String(extent * MODULE_PIXELS));
  svg.setAttribute('height', String(extent * MODULE_PIXELS));
  svg.setAttribute('shape-rendering', 'crispEdges');
  svg.setAttribute('role', 'img');
  svg.classList.add('qr-image');

  const background = document.createElementNS(SVG_NS, 'rect');
  background.setAttribute('width', String(extent));
  background.setAttribute('height', String(extent));
  background.setAttribute('fill', '#ffffff');
  const dark = document.createElementNS(SVG_NS, 'path');
  dark.setAttribute('d', darkModulesPath(modules.size, (row, col) => modules.get(row, col) === 1));
  dark.setAttribute('fill', '#000000');
  svg.append(background, dark);
  return svg;
}

/** About as long as a real key URI, so the warm-up runs the same code paths (symbol version, masks) as the real one. */
const WARM_UP_TEXT = `otpauth://totp/warm-up?secret=${'A'.repeat(32)}&issuer=${'w'.repeat(40)}&algorithm=SHA1&digits=6&period=30`;

/**
 * Encodes a throw-away URI while the page is idle. The first encoding in a fresh page is several times slower
 * than later ones (cold JavaScript engine), and the first real one is what the person waits for.
 */
export function warmUpQrEncoder(): void {
  encode(WARM_UP_TEXT);
}
