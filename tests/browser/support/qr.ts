// Reads a QR code out of a PNG screenshot, the way a phone camera would: pixels in, text out.
import jsQR from 'jsqr';
import { PNG } from 'pngjs';

export function decodeQrFromPng(png: Buffer): string {
  const image = PNG.sync.read(png);
  const pixels = new Uint8ClampedArray(image.data.buffer, image.data.byteOffset, image.data.byteLength);
  const found = jsQR(pixels, image.width, image.height);
  if (found === null) throw new Error(`no QR code found in a ${image.width}×${image.height} screenshot`);
  return found.data;
}
