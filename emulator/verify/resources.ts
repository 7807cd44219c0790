// JSON renderers: stored records → Verify's snake_case resources, with URLs on the emulator's own address.
import { isoSeconds } from '../core/clock';
import type { RenderContext } from '../core/operations';
import type { ChallengeRecord, EntityRecord, FactorRecord, PasskeysSettings, ServiceRecord } from './records';
import { keyUri } from './totp';

export function serviceUrl(ctx: RenderContext, serviceSid: string): string {
  return `${ctx.baseUrl}/v2/Services/${serviceSid}`;
}

export function entityUrl(ctx: RenderContext, serviceSid: string, identity: string): string {
  return `${serviceUrl(ctx, serviceSid)}/Entities/${identity}`;
}

/** Verify shows passkeys settings that were never configured as all null, like `totp` (the spec's fetch example). */
export const NO_PASSKEYS: PasskeysSettings = {
  relyingParty: { id: null, name: null, origins: null },
  authenticatorAttachment: null,
  discoverableCredentials: null,
  userVerification: null,
};

export function renderService(ctx: RenderContext, service: ServiceRecord): Record<string, unknown> {
  const url = serviceUrl(ctx, service.sid);
  const passkeys = service.passkeys ?? NO_PASSKEYS;
  return {
    sid: service.sid,
    account_sid: ctx.accountSid,
    friendly_name: service.friendlyName,
    code_length: service.codeLength,
    lookup_enabled: service.lookupEnabled,
    psd2_enabled: service.psd2Enabled,
    skip_sms_to_landlines: service.skipSmsToLandlines,
    dtmf_input_required: service.dtmfInputRequired,
    tts_name: service.ttsName,
    do_not_share_warning_enabled: service.doNotShareWarningEnabled,
    custom_code_enabled: service.customCodeEnabled,
    push: {
      include_date: service.push.includeDate,
      apn_credential_sid: service.push.apnCredentialSid,
      fcm_credential_sid: service.push.fcmCredentialSid,
    },
    totp: {
      issuer: service.totp.issuer,
      time_step: service.totp.timeStep,
      code_length: service.totp.codeLength,
      skew: service.totp.skew,
    },
    default_template_sid: service.defaultTemplateSid,
    whatsapp: { msg_service_sid: service.whatsapp.msgServiceSid, from: service.whatsapp.from },
    passkeys: {
      relying_party: { id: passkeys.relyingParty.id, name: passkeys.relyingParty.name, origins: passkeys.relyingParty.origins },
      authenticator_attachment: passkeys.authenticatorAttachment,
      discoverable_credentials: passkeys.discoverableCredentials,
      user_verification: passkeys.userVerification,
    },
    verify_event_subscription_enabled: service.verifyEventSubscriptionEnabled,
    date_created: isoSeconds(service.dateCreated),
    date_updated: isoSeconds(service.dateUpdated),
    url,
    links: {
      verification_checks: `${url}/VerificationCheck`,
      verifications: `${url}/Verifications`,
      rate_limits: `${url}/RateLimits`,
      messaging_configurations: `${url}/MessagingConfigurations`,
      entities: `${url}/Entities`,
      webhooks: `${url}/Webhooks`,
      access_tokens: `${url}/AccessTokens`,
    },
  };
}

export function renderEntity(ctx: RenderContext, entity: EntityRecord): Record<string, unknown> {
  const url = entityUrl(ctx, entity.serviceSid, entity.identity);
  return {
    sid: entity.sid,
    identity: entity.identity,
    account_sid: ctx.accountSid,
    service_sid: entity.serviceSid,
    date_created: isoSeconds(entity.dateCreated),
    date_updated: isoSeconds(entity.dateUpdated),
    url,
    links: { factors: `${url}/Factors`, new_factors: `${url}/Factors`, challenges: `${url}/Challenges` },
  };
}

/** Fetch/list/update shape: never the binding (the secret leaves the emulator once, at creation). */
export function renderFactor(ctx: RenderContext, factor: FactorRecord): Record<string, unknown> {
  return {
    sid: factor.sid,
    account_sid: ctx.accountSid,
    service_sid: factor.serviceSid,
    entity_sid: factor.entitySid,
    identity: factor.identity,
    date_created: isoSeconds(factor.dateCreated),
    date_updated: isoSeconds(factor.dateUpdated),
    friendly_name: factor.friendlyName,
    status: factor.status,
    factor_type: 'totp',
    config: {
      alg: factor.config.alg,
      skew: factor.config.skew,
      code_length: factor.config.codeLength,
      time_step: factor.config.timeStep,
    },
    metadata: factor.metadata,
    url: `${entityUrl(ctx, factor.serviceSid, factor.identity)}/Factors/${factor.sid}`,
  };
}

/** Create shape (new_factor): the factor plus `binding` {secret, uri} and `options`. */
export function renderNewFactor(ctx: RenderContext, factor: FactorRecord, issuer: string): Record<string, unknown> {
  const { date_created, date_updated, ...rest } = renderFactor(ctx, factor);
  const uri = keyUri({
    issuer,
    accountName: factor.friendlyName,
    secret: factor.secret,
    algorithm: factor.config.alg,
    digits: factor.config.codeLength,
    period: factor.config.timeStep,
  });
  return { ...rest, binding: { secret: factor.secret, uri }, options: null, date_created, date_updated };
}

/** `status` is passed in because `expired` is derived from the clock, not stored. */
export function renderChallenge(ctx: RenderContext, challenge: ChallengeRecord, status: string): Record<string, unknown> {
  const url = `${entityUrl(ctx, challenge.serviceSid, challenge.identity)}/Challenges/${challenge.sid}`;
  return {
    sid: challenge.sid,
    account_sid: ctx.accountSid,
    service_sid: challenge.serviceSid,
    entity_sid: challenge.entitySid,
    identity: challenge.identity,
    factor_sid: challenge.factorSid,
    date_created: isoSeconds(challenge.dateCreated),
    date_updated: isoSeconds(challenge.dateUpdated),
    date_responded: challenge.dateResponded === null ? null : isoSeconds(challenge.dateResponded),
    expiration_date: isoSeconds(challenge.expirationDate),
    status,
    responded_reason: challenge.respondedReason,
    details: challenge.details,
    hidden_details: challenge.hiddenDetails,
    metadata: challenge.metadata,
    factor_type: 'totp',
    url,
    links: { notifications: `${url}/Notifications` },
  };
}
