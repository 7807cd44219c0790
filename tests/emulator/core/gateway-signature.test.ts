// The gateway's X-Twilio-Signature check, against the `twilio` package's own validator as the reference.
import fc from 'fast-check';
import twilio from 'twilio';
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks';
import { bodyHash, checkTwilioSignature, signTwilioRequest, twilioSignature, type GatewayRequest } from '../../../emulator/core/gateway-signature';

const TOKEN = '0123456789abcdef0123456789abcdef';
const URL_ = 'https://totp-functions-1234-dev.twil.io/studio/check-code';
const FORM = 'application/x-www-form-urlencoded';

function formRequest(url: string, params: Record<string, string>, signature: string | undefined): GatewayRequest {
  return { url, signature, contentType: FORM, body: new URLSearchParams(params).toString() };
}

const names = fc.string({ minLength: 1, maxLength: 12 });
const params = fc.dictionary(names, fc.string({ maxLength: 20 }), { maxKeys: 6 });
const urls = fc.webUrl({ withQueryParameters: true });
const tokens = fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 32, maxLength: 32 });

describe("Twilio's algorithm, as the twilio package computes it", () => {
  test('the signature equals the reference for any URL, parameters and token', () => {
    fc.assert(
      fc.property(tokens, urls, params, (token, url, form) => {
        expect(twilioSignature(token, url, form)).toBe(getExpectedTwilioSignature(token, url, form));
      }),
    );
  });

  test('a repeated parameter is signed with its distinct values in order, as the reference does', () => {
    const form = { Digits: ['3', '1', '3'], From: '+15550100' };
    expect(twilioSignature(TOKEN, URL_, form)).toBe(getExpectedTwilioSignature(TOKEN, URL_, form));
  });

  test('a form request signed by the reference passes, and the reference agrees', () => {
    fc.assert(
      fc.property(tokens, urls, params, (token, url, form) => {
        const signature = getExpectedTwilioSignature(token, url, form);
        expect(checkTwilioSignature(token, formRequest(url, form, signature))).toEqual({ valid: true });
        expect(twilio.validateRequest(token, signature, url, form)).toBe(true);
      }),
    );
  });

  test('a JSON request signed through bodySHA256 passes, and validateRequestWithBody agrees', () => {
    fc.assert(
      fc.property(tokens, fc.json(), (token, body) => {
        const signed = signTwilioRequest(token, { url: URL_, contentType: 'application/json', body });
        expect(new URL(signed.url).searchParams.get('bodySHA256')).toBe(bodyHash(body));
        expect(checkTwilioSignature(token, { ...signed, contentType: 'application/json', body })).toEqual({ valid: true });
        expect(twilio.validateRequestWithBody(token, signed.signature, signed.url, body)).toBe(true);
      }),
    );
  });
});

describe('what the gateway refuses', () => {
  const form = { user: '+15550100', code: '123456' };
  const good = getExpectedTwilioSignature(TOKEN, URL_, form);

  test('no signature, or an empty one', () => {
    expect(checkTwilioSignature(TOKEN, formRequest(URL_, form, undefined))).toEqual({ valid: false, reason: 'missing' });
    expect(checkTwilioSignature(TOKEN, formRequest(URL_, form, ''))).toEqual({ valid: false, reason: 'missing' });
  });

  test('a signature made with another auth token (the reference refuses it too)', () => {
    const other = getExpectedTwilioSignature('ffffffffffffffffffffffffffffffff', URL_, form);
    expect(checkTwilioSignature(TOKEN, formRequest(URL_, form, other))).toEqual({ valid: false, reason: 'mismatch' });
    expect(twilio.validateRequest(TOKEN, other, URL_, form)).toBe(false);
  });

  test('any changed parameter, added parameter, or other URL', () => {
    fc.assert(
      fc.property(tokens, urls, params, names, (token, url, sent, extra) => {
        const signature = getExpectedTwilioSignature(token, url, sent);
        const changed = { ...sent, [extra]: `${sent[extra] ?? ''}x` };
        expect(checkTwilioSignature(token, formRequest(url, changed, signature)).valid).toBe(false);
        expect(twilio.validateRequest(token, signature, url, changed)).toBe(false);
        expect(checkTwilioSignature(token, formRequest(`${url}#x`.replace('#x', url.includes('?') ? '&x=1' : '?x=1'), sent, signature)).valid).toBe(false);
      }),
    );
  });

  test('any one character of the signature changed', () => {
    for (let i = 0; i < good.length; i += 1) {
      const flipped = good.slice(0, i) + (good[i] === 'A' ? 'B' : 'A') + good.slice(i + 1);
      expect(checkTwilioSignature(TOKEN, formRequest(URL_, form, flipped))).toEqual({ valid: false, reason: 'mismatch' });
    }
  });

  test('a JSON body that is not the one bodySHA256 names (the reference refuses it too)', () => {
    const signed = signTwilioRequest(TOKEN, { url: URL_, contentType: 'application/json', body: '{"user":"+15550100","code":"123456"}' });
    const forged = '{"user":"+15550199","code":"123456"}';
    expect(checkTwilioSignature(TOKEN, { ...signed, contentType: 'application/json', body: forged })).toEqual({ valid: false, reason: 'body_mismatch' });
    expect(twilio.validateRequestWithBody(TOKEN, signed.signature, signed.url, forged)).toBe(false);
  });

  test('a JSON body without bodySHA256: the signature of the bare URL does not cover a body', () => {
    const signature = twilioSignature(TOKEN, URL_, {});
    expect(checkTwilioSignature(TOKEN, { url: URL_, signature, contentType: 'application/json', body: '{"user":"x","code":"1"}' })).toEqual({
      valid: false,
      reason: 'unsigned_body',
    });
  });
});

describe('the URL the signature covers', () => {
  const form = { user: '+15550100', code: '123456' };

  test('the default port written out or left out is the same URL (the reference accepts both too)', () => {
    const bare = getExpectedTwilioSignature(TOKEN, URL_, form);
    const withPort = URL_.replace('.io/', '.io:443/');
    expect(checkTwilioSignature(TOKEN, formRequest(withPort, form, bare))).toEqual({ valid: true });
    expect(checkTwilioSignature(TOKEN, formRequest(URL_, form, getExpectedTwilioSignature(TOKEN, withPort, form)))).toEqual({ valid: true });
    expect(twilio.validateRequest(TOKEN, bare, withPort, form)).toBe(true);
  });

  test('another port must match as sent: a signature for localhost does not pass at localhost:3000', () => {
    // Stricter than the twilio package, which also tries every URL with its port removed.
    const local = 'http://localhost:3000/studio/check-code';
    const signature = getExpectedTwilioSignature(TOKEN, 'http://localhost/studio/check-code', form);
    expect(checkTwilioSignature(TOKEN, formRequest(local, form, signature))).toEqual({ valid: false, reason: 'mismatch' });
    expect(checkTwilioSignature(TOKEN, formRequest(local, form, getExpectedTwilioSignature(TOKEN, local, form)))).toEqual({ valid: true });
  });

  test('http and https are different URLs', () => {
    const signature = getExpectedTwilioSignature(TOKEN, URL_.replace('https:', 'http:'), form);
    expect(checkTwilioSignature(TOKEN, formRequest(URL_, form, signature)).valid).toBe(false);
  });
});
