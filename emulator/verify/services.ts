// Services: CreateService, FetchService, ListService, UpdateService, DeleteService, with Verify's settings.
import { newSid } from '../core/crypto';
import { invalidParameter, verifyError } from './errors';
import type { FormParams } from '../core/form';
import type { PasskeysSettings, ServiceRecord } from './records';
import { NO_PASSKEYS, renderService } from './resources';
import { missingParameter } from '../core/errors';
import { serviceOperations as sharedServiceOperations } from '../core/services';
import { requireService } from './lookup';
import type { OperationContext, VerifyOperation } from './types';

/** Verify's response schema: friendly names up to 30 characters (60200 "FriendlyName is too long"). */
const MAX_SERVICE_NAME = 30;

function rangedInteger(params: FormParams, name: string, min: number, max: number): number | undefined {
  const value = params.integer(name);
  if (value !== undefined && (value < min || value > max)) throw invalidParameter(name);
  return value;
}

function optionalText(params: FormParams, name: string, max = 256): string | undefined {
  const value = params.string(name);
  if (value !== undefined && value.length > max) throw invalidParameter(name);
  return value;
}

/** The values Verify documents for a passkeys choice: empty, or one of the listed words. */
function optionalChoice(params: FormParams, name: string, choices: readonly string[]): string | undefined {
  const value = params.string(name);
  if (value !== undefined && value !== '' && !choices.includes(value)) throw invalidParameter(name);
  return value;
}

/** Passkeys.* parameters over `base`; Origins is a comma-separated list that Verify echoes as an array. */
function applyPasskeysParams(base: PasskeysSettings, params: FormParams): PasskeysSettings {
  const origins = optionalText(params, 'Passkeys.RelyingParty.Origins', 2048);
  const preference = ['required', 'preferred', 'discouraged'] as const;
  return {
    relyingParty: {
      id: optionalText(params, 'Passkeys.RelyingParty.Id') ?? base.relyingParty.id,
      name: optionalText(params, 'Passkeys.RelyingParty.Name') ?? base.relyingParty.name,
      origins: origins === undefined ? base.relyingParty.origins : origins.split(',').map((origin) => origin.trim()).filter(Boolean),
    },
    authenticatorAttachment:
      optionalChoice(params, 'Passkeys.AuthenticatorAttachment', ['platform', 'cross-platform', 'any']) ?? base.authenticatorAttachment,
    discoverableCredentials: optionalChoice(params, 'Passkeys.DiscoverableCredentials', preference) ?? base.discoverableCredentials,
    userVerification: optionalChoice(params, 'Passkeys.UserVerification', preference) ?? base.userVerification,
  };
}

/** Applies every Service parameter present in the form to `base` (create and update share the rules). */
function applyServiceParams(base: ServiceRecord, params: FormParams): ServiceRecord {
  const friendlyName = params.string('FriendlyName');
  if (friendlyName !== undefined && (friendlyName.trim().length === 0 || friendlyName.length > MAX_SERVICE_NAME)) {
    throw invalidParameter('FriendlyName');
  }
  const issuer = optionalText(params, 'Totp.Issuer', 64);
  return {
    ...base,
    friendlyName: friendlyName ?? base.friendlyName,
    codeLength: rangedInteger(params, 'CodeLength', 4, 10) ?? base.codeLength,
    lookupEnabled: params.boolean('LookupEnabled') ?? base.lookupEnabled,
    skipSmsToLandlines: params.boolean('SkipSmsToLandlines') ?? base.skipSmsToLandlines,
    dtmfInputRequired: params.boolean('DtmfInputRequired') ?? base.dtmfInputRequired,
    ttsName: optionalText(params, 'TtsName') ?? base.ttsName,
    psd2Enabled: params.boolean('Psd2Enabled') ?? base.psd2Enabled,
    doNotShareWarningEnabled: params.boolean('DoNotShareWarningEnabled') ?? base.doNotShareWarningEnabled,
    customCodeEnabled: params.boolean('CustomCodeEnabled') ?? base.customCodeEnabled,
    push: {
      includeDate: params.boolean('Push.IncludeDate') ?? base.push.includeDate,
      apnCredentialSid: optionalText(params, 'Push.ApnCredentialSid', 34) ?? base.push.apnCredentialSid,
      fcmCredentialSid: optionalText(params, 'Push.FcmCredentialSid', 34) ?? base.push.fcmCredentialSid,
    },
    totp: {
      issuer: issuer === undefined ? base.totp.issuer : issuer === '' ? null : issuer,
      timeStep: rangedInteger(params, 'Totp.TimeStep', 20, 60) ?? base.totp.timeStep,
      codeLength: rangedInteger(params, 'Totp.CodeLength', 3, 8) ?? base.totp.codeLength,
      skew: rangedInteger(params, 'Totp.Skew', 0, 2) ?? base.totp.skew,
    },
    whatsapp: {
      msgServiceSid: optionalText(params, 'Whatsapp.MsgServiceSid', 34) ?? base.whatsapp.msgServiceSid,
      from: optionalText(params, 'Whatsapp.From') ?? base.whatsapp.from,
    },
    passkeys: applyPasskeysParams(base.passkeys ?? NO_PASSKEYS, params),
    defaultTemplateSid: optionalText(params, 'DefaultTemplateSid', 34) ?? base.defaultTemplateSid,
    verifyEventSubscriptionEnabled: params.boolean('VerifyEventSubscriptionEnabled') ?? base.verifyEventSubscriptionEnabled,
  };
}

/** A new service: Verify's defaults, then the request's parameters (FriendlyName is required). */
function createService(ctx: OperationContext, params: FormParams): ServiceRecord {
  if (!params.has('FriendlyName')) throw missingParameter('FriendlyName');
  const now = ctx.clock.now();
  const blank: ServiceRecord = {
    sid: newSid('VA'),
    friendlyName: '',
    codeLength: 6,
    lookupEnabled: false,
    skipSmsToLandlines: false,
    dtmfInputRequired: true,
    ttsName: null,
    psd2Enabled: false,
    doNotShareWarningEnabled: false,
    customCodeEnabled: false,
    push: { includeDate: true, apnCredentialSid: null, fcmCredentialSid: null },
    totp: { issuer: null, timeStep: null, codeLength: null, skew: null },
    whatsapp: { msgServiceSid: null, from: null },
    passkeys: NO_PASSKEYS,
    defaultTemplateSid: null,
    verifyEventSubscriptionEnabled: false,
    dateCreated: now,
    dateUpdated: now,
  };
  return applyServiceParams(blank, params);
}

export const serviceOperations: VerifyOperation[] = sharedServiceOperations<OperationContext, ServiceRecord>({
  path: '/v2/Services',
  create: createService,
  update: applyServiceParams,
  require: (ctx, request) => requireService(ctx, request, 'Sid'),
  all: (ctx) => ctx.store.listServices(),
  save: (ctx, service) => ctx.store.saveService(service),
  delete: (ctx, service) => ctx.store.deleteService(service.sid),
  render: (ctx, service) => renderService(ctx.render, service),
});
