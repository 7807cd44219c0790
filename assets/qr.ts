// Renders an otpauth:// URI as a QR code image (a PNG data URL), drawn in the browser by the bundled qrcode.
import { toDataURL } from 'qrcode';

/** Pixels per QR module; whole pixels keep the code sharp for phone cameras and decoders. */
const MODULE_PIXELS = 5;

export function renderQrDataUrl(uri: string): Promise<string> {
  return toDataURL(uri, {
    // Level M survives a slightly blurred or glared screen and keeps the code small enough to scan from a phone.
    errorCorrectionLevel: 'M',
    // ISO/IEC 18004 asks for a quiet zone of four modules around the symbol.
    margin: 4,
    scale: MODULE_PIXELS,
    // Always dark on light, whatever the colour scheme: many scanners cannot read an inverted code.
    color: { dark: '#000000ff', light: '#ffffffff' },
  });
}
