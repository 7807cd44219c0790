// Services: CreateService, FetchService, ListService, UpdateService, DeleteService.
import { newSid } from '../crypto';
import { twilioError, invalidParameter } from '../errors';
import type { FormParams } from '../form';
import type { PasskeysSettings, ServiceRecord } from '../records';
import { NO_PASSKEYS, renderService } from '../resources';
import { listPage } from '../paging';
import { requireService } from './lookup';
import type { Operation } from './types';

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

export const serviceOperations: Operation[] = [
  {
    name: 'CreateService',
    method: 'POST',
    path: '/v2/Services',
    run(ctx, { params }) {
      if (!params.has('FriendlyName')) throw twilioError(20001, 'Missing required parameter FriendlyName in the post body');
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
      const service = applyServiceParams(blank, params);
      ctx.store.createService(service);
      return { status: 201, body: renderService(ctx.render, service) };
    },
  },
  {
    name: 'FetchService',
    method: 'GET',
    path: '/v2/Services/{Sid}',
    run(ctx, request) {
      return { status: 200, body: renderService(ctx.render, requireService(ctx, request, 'Sid')) };
    },
  },
  {
    name: 'ListService',
    method: 'GET',
    path: '/v2/Services',
    run(ctx, request) {
      return listPage(ctx, request, 'services', ctx.store.listServices(), (service) => renderService(ctx.render, service));
    },
  },
  {
    name: 'UpdateService',
    method: 'POST',
    path: '/v2/Services/{Sid}',
    run(ctx, request) {
      const current = requireService(ctx, request, 'Sid');
      const service = { ...applyServiceParams(current, request.params), dateUpdated: ctx.clock.now() };
      ctx.store.updateService(service);
      return { status: 200, body: renderService(ctx.render, service) };
    },
  },
  {
    name: 'DeleteService',
    method: 'DELETE',
    path: '/v2/Services/{Sid}',
    run(ctx, request) {
      ctx.store.deleteService(requireService(ctx, request, 'Sid').sid);
      return { status: 204 };
    },
  },
];
