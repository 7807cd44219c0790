// Behaviour shared by every code field: digits only while typing or pasting, and an accessible error state.
import { digitsOnly } from './format';

/** Strips anything but digits as the person types or pastes ("123 456" → "123456"). */
export function keepDigitsOnly(input: HTMLInputElement): void {
  input.addEventListener('input', () => {
    // Verify codes are 3–8 digits; until the factor's length is known, 8 is the most a code can have.
    const cleaned = digitsOnly(input.value, Number(input.dataset.codeLength ?? 8));
    if (cleaned !== input.value) input.value = cleaned;
    input.removeAttribute('aria-invalid');
  });
}

/** The code when it has exactly `digits` digits; otherwise marks the field invalid and returns null. */
export function readCode(input: HTMLInputElement, digits: number): string | null {
  const code = digitsOnly(input.value, digits);
  if (code.length === digits) {
    input.removeAttribute('aria-invalid');
    return code;
  }
  markInvalid(input);
  return null;
}

export function markInvalid(input: HTMLInputElement): void {
  input.setAttribute('aria-invalid', 'true');
  input.focus();
  input.select();
}
