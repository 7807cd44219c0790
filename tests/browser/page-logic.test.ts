// The page's pure logic, checked without a browser: secret blocks, settings note, code cleaning, step and retry times,
// the kit's lock and enrollment hold, and which language a visit gets.
import fc from 'fast-check';
import type { ActivityEvent } from '../../lib/contract';
import { describeWhen, summarizeActivity } from '../../assets/activity';
import { describeFailure } from '../../assets/failure';
import { describeNonDefaultConfig, describeRetry, digitsOnly, groupSecret, normalizeRecoveryCode } from '../../assets/format';
import ar from '../../assets/i18n/ar';
import de from '../../assets/i18n/de';
import en from '../../assets/i18n/en';
import ja from '../../assets/i18n/ja';
import { chooseLocale, LOCALES, matchLocale } from '../../assets/locales';
import { createTranslator } from '../../assets/translator';
import { mayRunHere, parseFrameAncestors, type FrameContext } from '../../assets/frame-guard';
import { signedInName, signedInSubject } from '../../assets/signed-in-user';
import { createTrustedDeviceStore, type DeviceStorage } from '../../assets/trusted-device-store';
import { secondsLeftInStep } from '../../assets/time-step';
import { parseRetryAfter, TotpClientError } from '../../assets/totp-client';
import { codeAt, parseOtpauthUri, wrongCodeAt } from './support/totp';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'.split('');
const english = createTranslator('en', en);

describe('the secret for manual entry', () => {
  test('is shown in blocks of four that join back into the secret', () => {
    expect(groupSecret('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ')).toBe('GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ');
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...BASE32), { minLength: 1, maxLength: 103 }), (chars) => {
        const secret = chars.join('');
        const blocks = groupSecret(secret).split(' ');
        expect(blocks.join('')).toBe(secret);
        expect(blocks.slice(0, -1).every((block) => block.length === 4)).toBe(true);
        expect((blocks[blocks.length - 1] ?? '').length).toBeGreaterThan(0);
      }),
    );
  });
});

describe('the settings note', () => {
  test('is absent for the settings every app assumes (SHA1, 6 digits, 30 s)', () => {
    expect(describeNonDefaultConfig(english, { algorithm: 'SHA1', digits: 6, period: 30, skew: 1 })).toBeNull();
    // Skew is the server's tolerance, not an app setting.
    expect(describeNonDefaultConfig(english, { algorithm: 'SHA1', digits: 6, period: 30, skew: 2 })).toBeNull();
  });

  test('names each setting that differs, as a list in the language', () => {
    expect(describeNonDefaultConfig(english, { algorithm: 'SHA256', digits: 8, period: 60, skew: 1 })).toBe(
      'If you type the key by hand, choose these settings in your app: algorithm SHA256, 8 digits, and a new code every 60 seconds.',
    );
    expect(describeNonDefaultConfig(english, { algorithm: 'SHA1', digits: 8, period: 30, skew: 1 })).not.toContain('algorithm');
    expect(describeNonDefaultConfig(createTranslator('ja', ja), { algorithm: 'SHA1', digits: 8, period: 60, skew: 1 })).toBe(
      'キーを手動で入力する場合は、アプリで次の設定を選んでください：8 桁、60 秒ごとに新しいコード。',
    );
  });

  test("counts in the language's plural forms (Intl.PluralRules), not in English ones", () => {
    const arabic = createTranslator('ar', ar);
    // Arabic: two → dual, 3–10 → few (plural noun), 11–99 → many (singular accusative).
    expect([2, 3, 8, 11].map((digits) => arabic.plural('config.digits', digits))).toEqual(['رقمان', '3 أرقام', '8 أرقام', '11 رقمًا']);
    expect(arabic.plural('config.period', 1)).toBe('رمز جديد كل ثانية');
    expect(english.plural('config.period', 1)).toBe('a new code every second');
    expect(english.plural('config.period', 45)).toBe('a new code every 45 seconds');
  });
});

test('a typed or pasted code keeps only its digits, up to the code length', () => {
  expect(digitsOnly('123 456', 6)).toBe('123456');
  expect(digitsOnly('12-34-56-78', 6)).toBe('123456');
  expect(digitsOnly('abc', 6)).toBe('');
  // Arabic-Indic, Eastern Arabic-Indic (Persian) and full-width (Japanese input) digits are the same digits.
  expect(digitsOnly('١٢٣ ٤٥٦', 6)).toBe('123456');
  expect(digitsOnly('۷۸۹۰', 6)).toBe('7890');
  expect(digitsOnly('０１２３４５', 6)).toBe('012345');
  fc.assert(
    fc.property(fc.string(), fc.integer({ min: 1, max: 10 }), (typed, length) => {
      const code = digitsOnly(typed, length);
      expect(code).toMatch(/^[0-9]*$/);
      expect(code.length).toBeLessThanOrEqual(length);
    }),
  );
});

describe('the step countdown', () => {
  test('counts down from the period to 1 within each step (RFC 6238 steps start at multiples of the period)', () => {
    expect(secondsLeftInStep(0, 30)).toBe(30);
    expect(secondsLeftInStep(29_999, 30)).toBe(1);
    expect(secondsLeftInStep(30_000, 30)).toBe(30);
    expect(secondsLeftInStep(Date.UTC(2030, 0, 15, 9, 0, 10), 30)).toBe(20);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4_102_444_800_000 }), fc.constantFrom(15, 30, 60, 90), (nowMs, period) => {
        const left = secondsLeftInStep(nowMs, period);
        expect(left).toBeGreaterThanOrEqual(1);
        expect(left).toBeLessThanOrEqual(period);
        // The step ends exactly `left` seconds after the current whole second.
        expect((Math.floor(nowMs / 1000) + left) % period).toBe(0);
      }),
    );
  });
});

describe('Retry-After (RFC 9110 §10.2.3)', () => {
  const now = Date.UTC(2030, 0, 15, 9, 0, 10);

  test('accepts delta-seconds and an HTTP-date, as seconds from now', () => {
    expect(parseRetryAfter('300', now)).toBe(300);
    expect(parseRetryAfter('Tue, 15 Jan 2030 10:00:10 GMT', now)).toBe(3600);
    // A date already past is no wait at all, never a negative one.
    expect(parseRetryAfter('Tue, 15 Jan 2030 08:00:10 GMT', now)).toBe(0);
  });

  test('ignores a missing or unreadable header', () => {
    expect(parseRetryAfter(null, now)).toBeNull();
    expect(parseRetryAfter('', now)).toBeNull();
    expect(parseRetryAfter('soon', now)).toBeNull();
  });

  test('becomes a sentence with a duration and a clock time', () => {
    expect(describeRetry(english, null, now)).toBe('Try again later.');
    expect(describeRetry(english, now + 45_000, now)).toMatch(/^Try again in 45 seconds \(at .+\)\.$/);
    expect(describeRetry(english, now + 1_000, now)).toMatch(/^Try again in 1 second \(at .+\)\.$/);
    expect(describeRetry(english, now + 3_600_000, now)).toMatch(/^Try again in 60 minutes \(at .+\)\.$/);
    expect(describeRetry(english, now + 86_400_000, now)).toMatch(/^Try again after .+\.$/);
  });

  test("says the wait with Intl.RelativeTimeFormat in the reader's language", () => {
    expect(describeRetry(createTranslator('ja', ja), now + 240_000, now)).toMatch(/^4 分後（.+）に再度お試しください。$/);
    expect(describeRetry(createTranslator('ar', ar), now + 240_000, now)).toMatch(/^حاول مرة أخرى خلال 4 دقائق \(في الساعة .+\)\.$/);
  });
});

describe("the kit's own lock and enrollment hold", () => {
  const now = Date.UTC(2030, 0, 15, 9, 0, 10);

  test('the countdown reads at a glance, in units of the reader\'s language (Intl)', () => {
    expect([1, 59, 60, 65, 3600].map((seconds) => english.duration(seconds))).toEqual(['1 sec', '59 sec', '1 min', '1 min, 5 sec', '60 min']);
    expect(createTranslator('ja', ja).duration(245)).toBe('4 分 5 秒');
  });

  test('a lock says when to retry; a set-up under way is news, not an error', () => {
    const locked = describeFailure(new TotpClientError(429, 'locked', 'x', 60, now));
    expect(locked).toMatchObject({ kind: 'error', locked: true, sessionEnded: false });
    expect(locked.text(english, now)).toMatch(/^Locked: too many wrong codes\. Try again in 60 seconds/);
    const held = describeFailure(new TotpClientError(409, 'enrollment_in_progress', 'x', 12, now));
    expect(held).toMatchObject({ kind: 'info', locked: false });
    expect(held.text(english, now)).toMatch(/already under way.*Try again in 12 seconds/);
  });
});

test("the tests' authenticator app reproduces the RFC 6238 Appendix B codes", () => {
  // Secret "12345678901234567890" in Base32; SHA1, 8 digits, 30 s (RFC 6238 Appendix B).
  const account = parseOtpauthUri('otpauth://totp/Test:alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&digits=8');
  expect(codeAt(account, 59_000)).toBe('94287082');
  expect(codeAt(account, 1_111_111_109_000)).toBe('07081804');
  expect(codeAt(account, 1_234_567_890_000)).toBe('89005924');
  expect(codeAt(account, 2_000_000_000_000)).toBe('69279037');
  expect(wrongCodeAt(account, 1_111_111_109_000)).not.toBe('07081804');
});

describe('finding 6: the frame guard', () => {
  const top: FrameContext = { framed: false, parentIsTop: true, ancestorOrigins: undefined, referrer: '' };
  const framedBy = (ancestors: string[] | undefined, referrer = '', parentIsTop = true): FrameContext => ({
    framed: true,
    parentIsTop,
    ancestorOrigins: ancestors,
    referrer,
  });
  const allowed = parseFrameAncestors(' https://app.example.com  http://localhost:5173 https://bad.example/path not-an-origin ');

  test('reads exact origins from the meta tag and drops anything else', () => {
    expect([...allowed]).toEqual(['https://app.example.com', 'http://localhost:5173']);
    expect(parseFrameAncestors(null).size).toBe(0);
    expect(parseFrameAncestors('').size).toBe(0);
  });

  test('runs at the top, and refuses every frame while the list is empty (the default)', () => {
    expect(mayRunHere(top, new Set())).toBe(true);
    expect(mayRunHere(framedBy(['https://app.example.com']), new Set())).toBe(false);
  });

  test('with ancestorOrigins (Chromium, Safari), every framing origin must be listed', () => {
    expect(mayRunHere(framedBy(['https://app.example.com']), allowed)).toBe(true);
    expect(mayRunHere(framedBy(['https://app.example.com', 'https://evil.example']), allowed)).toBe(false);
    expect(mayRunHere(framedBy(['https://evil.example']), allowed)).toBe(false);
    expect(mayRunHere(framedBy([]), allowed)).toBe(false);
  });

  test('without ancestorOrigins (Firefox), only a direct frame of a listed page, judged by its referrer', () => {
    expect(mayRunHere(framedBy(undefined, 'https://app.example.com/settings?x=1'), allowed)).toBe(true);
    expect(mayRunHere(framedBy(undefined, 'https://app.example.com/', false), allowed)).toBe(false);
    expect(mayRunHere(framedBy(undefined, ''), allowed)).toBe(false);
    expect(mayRunHere(framedBy(undefined, 'https://evil.example/'), allowed)).toBe(false);
  });
});

describe('finding 6: the signed-in name shown from the token', () => {
  const token = (claims: object): string =>
    `eyJhbGciOiJIUzI1NiJ9.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.c2lnbmF0dXJl`;

  test('is the name claim, else the email, else the subject', () => {
    expect(signedInName(token({ sub: 'u-1', email: 'ada@example.com', name: 'Ada Lovelace' }))).toBe('Ada Lovelace');
    expect(signedInName(token({ sub: 'u-1', email: 'ada@example.com' }))).toBe('ada@example.com');
    expect(signedInName(token({ sub: 'u-1', name: '  ', email: 42 }))).toBe('u-1');
    expect(signedInName(token({ sub: 'Zoë 🙂' }))).toBe('Zoë 🙂');
  });

  test('drops control and direction-changing characters, and shortens a long name', () => {
    expect(signedInName(token({ name: 'Mallory\u202Emoc.elpmaxe@ada' }))).toBe('Mallorymoc.elpmaxe@ada');
    expect(signedInName(token({ name: 'a\u0000b\nc' }))).toBe('abc');
    expect(signedInName(token({ name: 'x'.repeat(200) }))).toBe(`${'x'.repeat(63)}…`);
  });

  test('is null for something that is not a JWT', () => {
    expect(signedInName('not-a-token')).toBeNull();
    expect(signedInName('a.%%%.c')).toBeNull();
    expect(signedInName(token({}))).toBeNull();
  });
});

describe('the language of a visit', () => {
  test('matches a tag to a language the page has, by region first and then by language', () => {
    expect(matchLocale('pt-BR')).toBe('pt-BR');
    expect(matchLocale('pt-PT')).toBe('pt-BR');
    expect(matchLocale('pt')).toBe('pt-BR');
    expect(matchLocale('es-MX')).toBe('es');
    expect(matchLocale('DE-at')).toBe('de');
    expect(matchLocale('ar-EG')).toBe('ar');
    expect(matchLocale('zh-CN')).toBeNull();
    expect(matchLocale('not a tag')).toBeNull();
    expect(matchLocale('')).toBeNull();
  });

  test('?lang= wins, then the remembered choice, then the browser languages in order, then English', () => {
    const browser = ['zh-CN', 'fr-CA', 'de'];
    expect(chooseLocale({ query: 'ja', stored: 'de', browser })).toBe('ja');
    expect(chooseLocale({ query: 'xx', stored: 'de', browser })).toBe('de');
    expect(chooseLocale({ query: null, stored: null, browser })).toBe('fr');
    expect(chooseLocale({ query: null, stored: 'klingon', browser: ['zh'] })).toBe('en');
    expect(chooseLocale({ query: '', stored: null, browser: [] })).toBe('en');
  });
});

describe('a typed recovery code', () => {
  test('is read the way the kit reads it: case, spaces and dashes do not matter, O is 0, I and L are 1', () => {
    expect(normalizeRecoveryCode('3K7Q-DX9M-4BHT-2ZPA')).toBe('3K7Q-DX9M-4BHT-2ZPA');
    expect(normalizeRecoveryCode(' 3k7q dx9m 4bht 2zpa ')).toBe('3K7Q-DX9M-4BHT-2ZPA');
    expect(normalizeRecoveryCode('3K7QDX9M4BHT2ZPA')).toBe('3K7Q-DX9M-4BHT-2ZPA');
    expect(normalizeRecoveryCode('3K7Q\u2013DX9M\u2013 4BHT 2ZPA')).toBe('3K7Q-DX9M-4BHT-2ZPA');
    expect(normalizeRecoveryCode('oila-bcde-fghj-kmnp')).toBe('011A-BCDE-FGHJ-KMNP');
  });

  test('of a set issued before (ten symbols) is still read, in its own groups of five', () => {
    expect(normalizeRecoveryCode('7K2QD-X9M4B')).toBe('7K2QD-X9M4B');
    expect(normalizeRecoveryCode(' 7k2qd x9m4b ')).toBe('7K2QD-X9M4B');
    expect(normalizeRecoveryCode('oilab-cdefg')).toBe('011AB-CDEFG');
  });

  test('takes full-width letters and digits of other scripts, as typed on those keyboards', () => {
    expect(normalizeRecoveryCode('３Ｋ７Ｑ－ＤＸ９Ｍ－４ＢＨＴ－２ＺＰＡ')).toBe('3K7Q-DX9M-4BHT-2ZPA');
    expect(normalizeRecoveryCode('١٢٣٤-ABCD-EFGH-JKMN')).toBe('1234-ABCD-EFGH-JKMN');
  });

  test('is null for what cannot be a code, so nothing is sent and no attempt is spent', () => {
    for (const typed of ['', '12345', '3K7Q-DX9M-4BHT-2ZP', '3K7Q-DX9M-4BHT-2ZPAB', '3K7Q-DX9M-4BHT-2ZPU', '3K7Q_DX9M_4BHT_2ZPA', '3K7Q-DX9M-4BHT-2ZPÉ', '7K2QD-X9M4BB']) {
      expect([typed, normalizeRecoveryCode(typed)]).toEqual([typed, null]);
    }
  });
});

describe('Recent activity in plain words', () => {
  const at = Date.UTC(2030, 0, 15, 9, 0, 10);
  let sequence = 0;
  /** An event `secondsAgo` before `at`, on the web unless told. */
  function event(type: string, secondsAgo: number, fields: Partial<ActivityEvent> = {}): ActivityEvent {
    sequence += 1;
    return { id: `ev_${sequence}`, type: type as ActivityEvent['type'], occurredAt: new Date(at - secondsAgo * 1000).toISOString(), channel: 'web', ...fields };
  }
  const failed = (secondsAgo: number, fields: Partial<ActivityEvent> = {}): ActivityEvent =>
    event('challenge.failed', secondsAgo, { outcome: 'wrong_code', ...fields });
  const lines = (events: ActivityEvent[], t = english): string[] => summarizeActivity(events).map((item) => item.describe(t));

  test('a lock and the wrong codes before it are one line; wrong codes in a row are one line', () => {
    const events = [
      event('lock.started', 0, { outcome: 'threshold', detail: { lockSeconds: 60, lockLevel: 1 } }),
      ...[1, 2, 3, 4, 5].map((ago) => failed(ago)),
      event('challenge.approved', 60),
      failed(70),
      failed(80, { outcome: 'wrong_recovery_code' }),
      failed(90),
    ];
    const items = summarizeActivity(events);
    expect(items.map((item) => [item.describe(english), item.tone, item.events])).toEqual([
      ['5 wrong codes, then locked for 1 minute', 'alert', 6],
      ['Sign-in code accepted', 'ok', 1],
      ['3 wrong codes', 'alert', 3],
    ]);
    // The line keeps the newest event's id and time.
    expect(items[0]).toMatchObject({ id: events[0]?.id, occurredAt: events[0]?.occurredAt });
    expect(lines(events, createTranslator('de', de))[0]).toBe('5 falsche Codes, dann für 1 Minute gesperrt');
  });

  test('a failure the trail folded counts as its count: alone, or with others and the lock after them', () => {
    const folded = (secondsAgo: number, count: number): ActivityEvent => failed(secondsAgo, { count, firstOccurredAt: new Date(at - 600_000).toISOString() });
    expect(lines([folded(0, 7)])).toEqual(['7 wrong codes']);
    const items = summarizeActivity([event('lock.started', 0, { outcome: 'threshold', detail: { lockSeconds: 60, lockLevel: 1 } }), folded(1, 4), failed(2)]);
    expect(items.map((item) => [item.describe(english), item.events])).toEqual([['5 wrong codes, then locked for 1 minute', 3]]);
  });

  test('a reuse of a code just used is news, not an alarm; the hard cap says support must unlock', () => {
    expect(summarizeActivity([event('challenge.reused', 0, { count: 2, firstOccurredAt: new Date(at - 5000).toISOString() })]).map((item) => [item.describe(english), item.tone])).toEqual([
      ['A code that had just been used was entered again', 'info'],
    ]);
    const capped = summarizeActivity([event('lock.started', 0, { outcome: 'hard_cap', detail: { consecutiveFailures: 100 } }), failed(1)]);
    expect(capped.map((item) => [item.describe(english), item.tone, item.events])).toEqual([
      ['Too many wrong codes in a row: code checks stopped until support unlocks them', 'alert', 1],
      ['Wrong code entered', 'alert', 1],
    ]);
  });

  test('a single failure says what kind it was; wrong codes by phone are not counted with those on the web', () => {
    expect(lines([failed(0, { outcome: 'replay' })])).toEqual(['A code that was already used was refused']);
    expect(lines([failed(0, { outcome: 'wrong_recovery_code' })])).toEqual(['Wrong recovery code entered']);
    const mixed = [
      event('lock.started', 0, { detail: { lockSeconds: 300 } }),
      failed(1),
      failed(2, { channel: 'studio' }),
      failed(3),
    ];
    expect(summarizeActivity(mixed).map((item) => [item.describe(english), item.channel])).toEqual([
      ['1 wrong code, then locked for 5 minutes', 'web'],
      ['Wrong code entered', 'studio'],
      ['Wrong code entered', 'web'],
    ]);
  });

  test('a lock alone (its wrong codes older than the trail) and the daily limit say how long', () => {
    expect(lines([event('lock.started', 0, { outcome: 'threshold', detail: { lockSeconds: 3600 } })])).toEqual(['Code checks locked for 1 hour']);
    expect(lines([event('lock.started', 0, { outcome: 'daily_limit', detail: { lockSeconds: 19_740 } })])).toEqual([
      'Too many wrong codes today: code checks locked for 5 hours, 29 minutes',
    ]);
  });

  test('the code that confirmed a change is part of that change; a sign-in just before it is not', () => {
    const regenerated = [
      event('recovery_codes.generated', 0, { factorSid: 'YF1', detail: { count: 10 } }),
      event('challenge.approved', 0, { factorSid: 'YF1', outcome: 'step_up' }),
      event('challenge.approved', 30, { factorSid: 'YF1' }),
    ];
    expect(lines(regenerated)).toEqual(['10 new recovery codes issued', 'Sign-in code accepted']);
    const deleted = [event('factor.deleted', 0, { factorSid: 'YF1' }), event('challenge.approved', 1, { factorSid: 'YF1' })];
    expect(lines(deleted)).toEqual(['Authenticator removed']);
    // Another factor's approval, or one long before, stays a line of its own.
    expect(lines([event('factor.deleted', 0, { factorSid: 'YF1' }), event('challenge.approved', 1, { factorSid: 'YF2' })])).toHaveLength(2);
    expect(lines([event('factor.deleted', 0, { factorSid: 'YF1' }), event('challenge.approved', 600, { factorSid: 'YF1' })])).toHaveLength(2);
  });

  test('a lost phone, recovery codes and support read as such; an unknown event is still shown', () => {
    expect(
      lines([
        event('factor.deleted', 0, { factorSid: 'YF1' }),
        event('recovery_code.used', 0, { factorSid: 'YF1', outcome: 'delete_factor', detail: { recoveryCodesLeft: 7 } }),
        event('recovery_code.used', 10, { outcome: 'sign_in', detail: { recoveryCodesLeft: 8 } }),
        event('recovery_code.used', 20, { outcome: 'sign_in', detail: { recoveryCodesLeft: 1 } }),
        event('factor.verified', 30, { factorSid: 'YF1' }),
        event('factor.created', 40, { factorSid: 'YF1' }),
        event('support.unlock', 50, { channel: 'support' }),
        event('support.reset', 60, { channel: 'support' }),
        event('something.new', 70),
      ]),
    ).toEqual([
      'Lost authenticator removed with a recovery code',
      'Recovery code used to sign in; 8 left',
      'Recovery code used to sign in; 1 left',
      'Authenticator app set up',
      'Set-up of an authenticator started',
      'Lock lifted by support',
      'Two-step sign-in reset by support',
      'Security event',
    ]);
    expect(lines([event('recovery_codes.generated', 0, { detail: { count: 10 } })], createTranslator('ar', ar))).toEqual(['تم إصدار 10 رموز استرداد جديدة']);
  });

  test("says when on the reader's clock: today, yesterday or the date, and by phone for the Studio flow", () => {
    // Local times, so the expectations hold in any time zone.
    const now = new Date(2030, 0, 15, 18, 30).getTime();
    const item = (time: Date, channel: ActivityEvent['channel'] = 'web') => ({ occurredAt: time.toISOString(), channel });
    const clock = (time: Date): string => english.time(time.getTime());
    const morning = new Date(2030, 0, 15, 9, 14);
    const lastNight = new Date(2030, 0, 14, 23, 59);
    const lastWeek = new Date(2030, 0, 8, 7, 5);
    expect(describeWhen(english, item(morning), now)).toBe(`today, ${clock(morning)}`);
    expect(describeWhen(english, item(lastNight), now)).toBe(`yesterday, ${clock(lastNight)}`);
    expect(describeWhen(english, item(lastWeek), now)).toBe(`Jan 8, 2030, ${clock(lastWeek)}`);
    expect(describeWhen(english, item(morning, 'studio'), now)).toBe(`today, ${clock(morning)}, by phone`);
    const japanese = createTranslator('ja', ja);
    expect(describeWhen(japanese, item(lastNight), now)).toBe(`昨日 ${japanese.time(lastNight.getTime())}`);
    expect(describeWhen(english, { occurredAt: 'not a date', channel: 'web' }, now)).toBe('not a date');
  });

  test('a clock time is written one way everywhere: as in a date and time, without a leading zero in English', () => {
    const at = new Date(2030, 0, 15, 16, 58).getTime();
    expect(english.time(at).replace(/\s/g, ' ')).toBe('4:58 PM');
    for (const { tag } of LOCALES) {
      const t = createTranslator(tag, en);
      expect([tag, t.dateTime(at).endsWith(t.time(at))]).toEqual([tag, true]);
      expect([tag, t.dateTime(new Date(2030, 0, 15, 9, 5).getTime()).endsWith(t.time(new Date(2030, 0, 15, 9, 5).getTime()))]).toEqual([tag, true]);
    }
  });

  test('lengths of time in words, to the minute above a minute', () => {
    expect([1, 45, 60, 61, 300, 3600, 5400, 86_400].map((seconds) => english.span(seconds))).toEqual([
      '1 second',
      '45 seconds',
      '1 minute',
      '2 minutes',
      '5 minutes',
      '1 hour',
      '1 hour, 30 minutes',
      '24 hours',
    ]);
    expect(createTranslator('ja', ja).span(5400)).toBe('1 時間 30 分');
  });

  test('the three device events read in every language: trusted, used, and how many were forgotten, whatever the reason', () => {
    const events = [
      event('device.forgotten', 0, { outcome: 'recovery_code', detail: { devices: 3 } }),
      event('device.forgotten', 10, { outcome: 'user', detail: { devices: 1 } }),
      event('device.used', 20),
      event('device.trusted', 30, { outcome: 'otp' }),
      event('challenge.approved', 31),
    ];
    expect(summarizeActivity(events).map((item) => [item.describe(english), item.tone])).toEqual([
      ['3 trusted devices forgotten', 'info'],
      ['Trusted device forgotten', 'info'],
      ['Signed in with a trusted device', 'ok'],
      ['Device trusted: signing in there needs no code', 'info'],
      ['Sign-in code accepted', 'ok'],
    ]);
    for (const { tag } of LOCALES) {
      const catalog = (require(`../../assets/i18n/${tag}`) as { default: Parameters<typeof createTranslator>[1] }).default;
      const said = lines(events, createTranslator(tag, catalog));
      // Each its own words: no key shown, no "Security event" fallback, no placeholder left.
      for (const line of said) expect([tag, line]).toEqual([tag, expect.not.stringMatching(/^activity\.|\{\w+\}/)]);
      expect([tag, said.some((line) => line === createTranslator(tag, catalog).text('activity.other'))]).toEqual([tag, false]);
    }
    expect(lines(events.slice(0, 1), createTranslator('ar', ar))).toEqual(['تمت إزالة 3 أجهزة موثوقة']);
    expect(lines(events.slice(0, 1), createTranslator('ja', ja))).toEqual(['信頼済みデバイス 3 台を解除']);
  });
});

describe("the trusted device's token as the kit's page holds it", () => {
  /** A Storage stand-in: what the page keeps, or one that refuses every call (private modes, blocked storage). */
  function memoryStorage(refuse = false): DeviceStorage & { readonly length: number } {
    const items = new Map<string, string>();
    const guard = <T>(task: () => T): T => {
      if (refuse) throw new Error('SecurityError: storage is blocked');
      return task();
    };
    return {
      get length() {
        return items.size;
      },
      getItem: (key) => guard(() => items.get(key) ?? null),
      removeItem: (key) => guard(() => void items.delete(key)),
      setItem: (key, value) => guard(() => void items.set(key, value)),
    };
  }
  const grant = { deviceId: 'td_1', deviceToken: 'a'.repeat(43), expiresAt: '2030-02-14T09:00:10.000Z' };

  test('is offered only to the person it was trusted for, under one key, and dropped on request', () => {
    const storage = memoryStorage();
    let user: string | null = 'ada';
    const store = createTrustedDeviceStore(() => storage, () => user);
    expect(store.held()).toBeNull();
    store.hold(grant);
    expect(store.held()).toEqual({ user: 'ada', deviceId: 'td_1', deviceToken: grant.deviceToken });
    expect(storage.length).toBe(1);
    user = 'bob';
    expect(store.held()).toBeNull();
    user = 'ada';
    store.drop();
    expect(store.held()).toBeNull();
    // Signed out: nothing is stored.
    user = null;
    store.hold(grant);
    expect(storage.length).toBe(0);
  });

  test('storage that refuses, or holds something else, gives no device and no error', () => {
    const store = createTrustedDeviceStore(() => memoryStorage(true), () => 'ada');
    expect(() => store.hold(grant)).not.toThrow();
    expect(store.held()).toBeNull();
    const odd = memoryStorage();
    odd.setItem('totp-functions.trusted-device', '{"user":"ada","deviceId":1}');
    expect(createTrustedDeviceStore(() => odd, () => 'ada').held()).toBeNull();
    odd.setItem('totp-functions.trusted-device', 'not json');
    expect(createTrustedDeviceStore(() => odd, () => 'ada').held()).toBeNull();
  });

  test("the token's subject is its exact sub claim, never a display name", () => {
    const token = (claims: object): string => `x.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.y`;
    expect(signedInSubject(token({ sub: 'user-7', name: 'Ada' }))).toBe('user-7');
    expect(signedInSubject(token({ name: 'Ada' }))).toBeNull();
    expect(signedInSubject('not a token')).toBeNull();
  });
});
