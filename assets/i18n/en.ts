// English: the page's source catalog. Its keys are the keys of every language; add a key here first (docs/page.md).
// Placeholders are {name}; numbers and dates are formatted with Intl in the reader's language. A plural message has
// one form per Intl.PluralRules category of the language. Kit error codes map to keys in assets/failure.ts.
import type { Message } from '../catalog';

export const en = {
  'page.title': 'Two-step sign-in',
  'page.intro': 'Protect your account with a code from an authenticator app.',
  'page.loading': 'Loading…',
  'language.label': 'Language',

  'devSignIn.title': 'Sign in (local development)',
  'devSignIn.note': 'This sign-in exists only on the local stack. A deployed page receives its token from your application.',
  'devSignIn.user': 'User name',
  'devSignIn.submit': 'Sign in',
  'devSignIn.enterUser': 'Enter a user name.',
  'devSignIn.failed': 'Could not sign in. Is the local stack running?',

  'framed.title': 'This page cannot be used inside another site',
  'framed.text': 'For your safety it works only when opened on its own. Open it from your application instead.',

  'signedOut.title': 'You are not signed in',
  'signedOut.text': 'Open this page from your application: it signs you in and hands the page your session.',

  /** {name}: the signed-in person's name, e-mail address or user id, from the token. */
  'session.signedIn': 'Signed in as {name}.',
  'session.signedInLocal': 'Signed in as {name} (local development).',
  'session.unnamed': 'an unnamed account',
  'session.signOut': 'Sign out',
  'session.signedOut': 'Signed out.',

  'setup.title': 'Set up an authenticator app',
  'setup.account': 'This adds an authenticator to the account of {name}. If that is not you, do not continue: sign out.',
  'setup.label': 'Account name',
  'setup.labelHint': 'Your authenticator app shows this name next to the code.',
  'setup.submit': 'Set up authenticator',
  'setup.colon': 'The account name cannot contain a colon (:).',
  'setup.done': 'Your authenticator app is set up. To move to a new phone, delete it below with a current code, then set up the new one.',

  'enroll.title': 'Add the account to your app',
  'enroll.scan': 'Scan this QR code with your authenticator app.',
  'enroll.qrLabel': 'QR code for your authenticator app',
  'enroll.openLink': 'Open in authenticator app',
  'enroll.typeKey': 'Can’t scan it? Type this key into the app instead.',
  'enroll.copyKey': 'Copy key',
  'enroll.copied': 'Key copied to the clipboard.',
  'enroll.copyFailed': 'Could not copy the key. Select it and copy it yourself.',
  'enroll.hint': {
    one: 'Enter the {count}-digit code your app shows for this account.',
    other: 'Enter the {count}-digit code your app shows for this account.',
  },
  'enroll.verify': 'Verify',
  'enroll.started': 'Scan the QR code with your authenticator app, then enter the code it shows.',
  'enroll.noMatch': 'That code did not match. Enter the current code from your app, and check that your phone sets its time automatically.',
  /** {button}: the label of the set-up button (setup.submit). */
  'enroll.locked': 'Locked: too many wrong codes. Choose “{button}” to start again with a new QR code.',
  'enroll.success': 'Your authenticator app is set up. From now on, signing in asks for a code from it.',
  'enroll.successCodes': 'Your authenticator app is set up. Now save your recovery codes: this is the only time they are shown.',

  // The save step: the recovery codes, shown once after the first code and again for each new set.
  'codes.title': 'Save your recovery codes',
  'codes.intro': 'If you lose your phone, each code lets you sign in once, or remove the lost authenticator. Keep them somewhere safe, such as a password manager or a printout: this is the only time they are shown.',
  /** {name}: the signed-in person, as in session.signedIn. Also the first line of the downloaded file. */
  'codes.sheetTitle': 'Recovery codes for {name}',
  /** {dateTime}: when the set was shown (Intl.DateTimeFormat). Also the last line of the downloaded file. */
  'codes.sheetNote': 'Each code works once. Created {dateTime}.',
  'codes.copy': 'Copy all',
  'codes.download': 'Download .txt',
  'codes.print': 'Print',
  'codes.copied': 'Recovery codes copied to the clipboard.',
  'codes.copyFailed': 'Could not copy the codes. Select them and copy them yourself.',
  /** {file}: the file's name, recovery-codes.txt */
  'codes.downloaded': 'Recovery codes saved as {file} in your downloads.',
  'codes.confirm': 'I have saved these codes',
  'codes.done': 'Done',
  /** {label}: the checkbox's label (codes.confirm). */
  'codes.confirmFirst': 'Save the codes, then tick “{label}” to close this step.',
  'codes.closed': 'Your recovery codes are no longer shown on this page.',

  'recovery.title': 'Recovery codes',
  'recovery.left': { one: '{count} unused recovery code left.', other: '{count} unused recovery codes left.' },
  'recovery.low': 'Almost out of recovery codes. Generate a new set now, with a code from your app, so that a lost phone cannot lock you out.',
  'recovery.outdated': 'These recovery codes are of an older, shorter kind. They still work, once each, but generate a new set now, with a code from your app.',
  'recovery.regenerate': 'Generate new codes',
  'recovery.regenerateQuestion': 'Enter a current code from your app. Your old recovery codes stop working at once.',
  'recovery.regenerateConfirm': 'Replace my recovery codes',
  'recovery.regenerated': 'New recovery codes generated; the old ones no longer work. Save the new ones now.',
  'recovery.codeLabel': 'Recovery code',
  'recovery.codeHint': 'Sixteen letters and digits, such as 3K7Q-DX9M-4BHT-2ZPA. Each code works once.',
  'recovery.enterCode': 'Enter a recovery code: sixteen letters and digits, such as 3K7Q-DX9M-4BHT-2ZPA.',
  'recovery.invalidCode': 'That recovery code is not valid, or it has been used already. Check it, or try another one.',

  // "Lost your phone?": a recovery code in place of the authenticator's code.
  'lost.toggle': 'Lost your phone? Use a recovery code',
  'lost.submit': 'Sign in with recovery code',
  /** {left}: recovery.left, how many codes the set still has. */
  'lost.approved': 'Approved: this recovery code would sign you in. It is used up now. {left}',

  // Trusted devices: a sign-in without a code on a device remembered at a check (assets/trusted-devices.ts).
  /** {days}: how long it stays trusted, in words ("30 days"). The checkbox under each sign-in form. */
  'devices.remember': 'Remember this device for {days}',
  'devices.rememberHint': 'Then signing in here needs no code. Never on a shared computer: whoever uses it next could sign in.',
  'devices.signIn': 'Sign in with this trusted device',
  'devices.approved': 'Approved: this trusted device would sign you in without a code.',
  /** {days}: as in devices.remember; follows check.approvedMessage or lost.approved. */
  'devices.nowTrusted': 'This device is now trusted for {days}.',
  'devices.title': 'Trusted devices',
  'devices.intro': 'Signing in on these needs no code until they expire. Forget any you no longer use.',
  'devices.empty': 'No device is trusted.',
  'devices.thisDevice': 'This device',
  /** A device's name when it has no label; {browser} and {platform} are names such as Firefox and Windows. */
  'devices.onPlatform': '{browser} on {platform}',
  'devices.unknownBrowser': 'Unknown browser',
  'devices.unknownPlatform': 'Unknown platform',
  /** {trusted}: a date; {used}: as activity.when ("today, 9:14 AM"). */
  'devices.dates': 'Trusted {trusted}, last used {used}',
  'devices.forget': 'Forget',
  /** The Forget button's accessible name; it must contain devices.forget (WCAG 2.5.3, label in name). */
  'devices.forgetNamed': 'Forget {name}',
  'devices.forgetQuestion': 'Forget “{name}”? Signing in there asks for a code again.',
  'devices.forgetAll': 'Forget all',
  'devices.forgetAllQuestion': 'Forget every trusted device? Each asks for a code again.',
  'devices.forgotten': 'Forgot “{name}”.',
  'devices.allForgotten': 'Every trusted device is forgotten.',

  /** {settings}: a list of config.algorithm, config.digits and config.period, joined with Intl.ListFormat. */
  'config.note': 'If you type the key by hand, choose these settings in your app: {settings}.',
  /** {name}: SHA256 or SHA512. */
  'config.algorithm': 'algorithm {name}',
  'config.digits': { one: '{count} digit', other: '{count} digits' },
  'config.period': { one: 'a new code every second', other: 'a new code every {count} seconds' },

  /** {when}: Intl.RelativeTimeFormat, e.g. "in 20 seconds". */
  'countdown.normal': 'The code changes {when}.',
  'countdown.edge': 'The code changes {when} — if yours is about to change, wait for the next one.',
  /** After a code was accepted, while the app still shows it: the kit would refuse it again (RFC 6238 §5.2). */
  'countdown.used': 'The current code was just used. Wait for the next one: it comes {when}.',

  'code.label': 'Code',
  'code.enter': { one: 'Enter the {count}-digit code from your app.', other: 'Enter the {count}-digit code from your app.' },

  'check.title': 'Try a sign-in check',
  'check.hint': 'Enter the current code from your app, as you would when signing in.',
  'check.submit': 'Check',
  'check.approved': 'Approved',
  'check.notApproved': 'Not approved',
  'check.locked': 'Locked',
  'check.notChecked': 'Not checked',
  'check.reused': 'Already used',
  'check.approvedMessage': 'Approved: this code would sign you in.',
  'check.notApprovedMessage': 'Not approved: that code did not match. Try again with the current code.',

  'factors.title': 'Your authenticators',
  'factors.empty': 'No authenticator is set up yet.',
  /** The name shown for an authenticator without an account name. */
  'factors.unnamed': 'Authenticator',
  'factors.verified': 'Verified',
  'factors.unverified': 'Not verified yet',
  /** {date}: Intl.DateTimeFormat, e.g. "Jan 15, 2030". */
  'factors.added': 'Added {date}',
  'factors.delete': 'Delete',
  /** The Delete button's accessible name; it must contain factors.delete (WCAG 2.5.3, label in name). */
  'factors.deleteNamed': 'Delete {name}',
  'factors.deleteVerified': 'To delete “{name}”, enter a current code from it.',
  'factors.deleteUnverified': 'Delete “{name}”? It was never verified, so no code is needed.',
  'factors.deleteConfirm': 'Delete authenticator',
  'factors.cancel': 'Cancel',
  'factors.deleted': 'Deleted “{name}”.',
  'factors.lostPhone': 'Lost your phone? Use a recovery code instead',
  'factors.useAppCode': 'Use a code from the app instead',
  'factors.deleteWithRecovery': 'To delete “{name}” without the phone, enter one of your recovery codes. Then set up your new phone.',
  'factors.deletedLost': 'Deleted “{name}”, and its recovery codes with it. Set up your new phone now.',
  'factors.enterCode': {
    one: 'Enter the {count}-digit code from your app to delete it.',
    other: 'Enter the {count}-digit code from your app to delete it.',
  },

  // Recent activity: the account's security events in plain words, newest first (assets/activity.ts).
  'activity.title': 'Recent activity',
  'activity.intro': 'Sign-ins, set-ups and wrong codes on your account, newest first. If you do not recognise something here, contact support.',
  'activity.empty': 'Nothing has happened yet.',
  'activity.unavailable': 'Recent activity cannot be shown right now.',
  /** {day}: "today", "yesterday" (Intl.RelativeTimeFormat) or a date; {time}: the clock time. */
  'activity.when': '{day}, {time}',
  /** {when}: activity.when. For a code keyed in on a phone call (the Studio flow). */
  'activity.byPhone': '{when}, by phone',
  'activity.factorCreated': 'Set-up of an authenticator started',
  'activity.factorVerified': 'Authenticator app set up',
  'activity.factorDeleted': 'Authenticator removed',
  'activity.deletedWithRecovery': 'Lost authenticator removed with a recovery code',
  'activity.approved': 'Sign-in code accepted',
  'activity.stepUp': 'Code accepted to confirm a change',
  'activity.wrongCode': 'Wrong code entered',
  'activity.replay': 'A code that was already used was refused',
  'activity.reused': 'A code that had just been used was entered again',
  'activity.wrongRecoveryCode': 'Wrong recovery code entered',
  'activity.wrongCodes': { one: '{count} wrong code', other: '{count} wrong codes' },
  /** {wait}: how long the lock lasted, in words ("1 minute"). */
  'activity.wrongCodesLocked': { one: '{count} wrong code, then locked for {wait}', other: '{count} wrong codes, then locked for {wait}' },
  'activity.locked': 'Code checks locked for {wait}',
  'activity.lockedDaily': 'Too many wrong codes today: code checks locked for {wait}',
  'activity.capped': 'Too many wrong codes in a row: code checks stopped until support unlocks them',
  'activity.codesGenerated': { one: '{count} new recovery code issued', other: '{count} new recovery codes issued' },
  'activity.recoverySignIn': { one: 'Recovery code used to sign in; {count} left', other: 'Recovery code used to sign in; {count} left' },
  'activity.supportReset': 'Two-step sign-in reset by support',
  'activity.supportUnlock': 'Lock lifted by support',
  'activity.deviceTrusted': 'Device trusted: signing in there needs no code',
  'activity.deviceUsed': 'Signed in with a trusted device',
  'activity.devicesForgotten': { one: 'Trusted device forgotten', other: '{count} trusted devices forgotten' },
  'activity.other': 'Security event',

  /** {when}: Intl.RelativeTimeFormat ("in 4 minutes"); {time}: the clock time on the reader's clock. */
  'retry.in': 'Try again {when} (at {time}).',
  /** {dateTime}: a date and time, for waits of more than about an hour and a half. */
  'retry.after': 'Try again after {dateTime}.',
  'retry.later': 'Try again later.',

  // What the page says for each error code of the kit (assets/failure.ts). {retry} is one of the retry.* sentences.
  'error.generic': 'Something went wrong. Try again.',
  'error.network': 'Could not reach the server. Check your connection and try again.',
  'error.unexpected': 'The server answered in a way this page does not understand. Try again.',
  'error.sessionEnded': 'Your session has ended. Sign in again.',
  'error.badRequest': 'The server could not accept this request. Check what you entered and try again.',
  'error.pageOutdated': 'This page sent a request the server does not accept. Reload the page and try again.',
  'error.hostNotAllowed': 'The local sign-in works only at this machine’s own address, such as localhost. Open the page there.',
  'error.signInCheckUnavailable': 'Your sign-in cannot be checked right now. Try again in a moment.',
  'error.stepUpRequired': 'To delete this authenticator, enter a current code from it.',
  'error.invalidCode': 'That code is not valid. Enter the current code from your app.',
  'error.factorNotFound': 'This authenticator was not found. Reload the page to see your authenticators.',
  'error.deviceNotTrusted': 'This device is no longer trusted. Enter a code from your app.',
  'error.deviceNotFound': 'That device was already forgotten.',
  'error.challengeNotFound': 'This sign-in check was not found. Try again.',
  'error.notEnrolled': 'No authenticator app is set up for this account yet.',
  'error.alreadyEnrolled': 'An authenticator app is already set up. To replace it, delete it with a current code first.',
  'error.alreadyVerified': 'This authenticator app is already set up.',
  'error.factorNotVerified': 'This authenticator is not verified yet. Finish setting it up first.',
  'error.factorStateConflict': 'This authenticator cannot do that right now. Reload the page and try again.',
  'error.tooManyFactors': 'This account has too many authenticators. Delete one first.',
  'error.tooManyAttempts': 'Locked: too many attempts with this authenticator. {retry}',
  'error.tooManyChallenges': 'Locked: too many sign-in checks with this authenticator. {retry}',
  'error.tooManyEnrollments': 'Too many set-ups for today. {retry}',
  'error.locked': 'Locked: too many wrong codes. {retry}',
  'error.accountLocked': 'Locked: too many wrong codes in a row. No code is checked until support unlocks your account.',
  'error.codeReused': 'This code was just used: wait for the next one. {retry}',
  'lock.timer': 'Code checks are locked. Try again in {wait}.',
  'lock.ended': 'The lock has ended: you can enter a code again.',
  'lock.still': 'Still locked: try again in {wait}.',
  'error.enrollmentInProgress': 'A set-up is already under way, perhaps in another tab. Use that one, or start again: {retry}',
  'error.busy': 'The service is busy right now. {retry}',
  'error.serviceFailed': 'The verification service failed. Try again.',
  'error.serviceUnavailable': 'The verification service is unavailable right now. {retry}',
  'error.stateUnavailable': 'Codes cannot be checked right now. {retry}',
  'error.internal': 'Something went wrong on our side. Try again later.',
} as const satisfies Record<string, Message>;

export default en;
