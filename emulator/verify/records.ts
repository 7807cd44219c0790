// Verify's stored state: plain, JSON-serialisable records (dates as epoch ms), one per Verify resource.
import type { Put, Remove } from '../core/store';
import type { TotpAlgorithm } from './totp';

export interface ServiceRecord {
  sid: string;
  friendlyName: string;
  codeLength: number;
  lookupEnabled: boolean;
  skipSmsToLandlines: boolean;
  dtmfInputRequired: boolean;
  ttsName: string | null;
  psd2Enabled: boolean;
  doNotShareWarningEnabled: boolean;
  customCodeEnabled: boolean;
  push: { includeDate: boolean; apnCredentialSid: string | null; fcmCredentialSid: string | null };
  /** Null members mean "not configured": Verify shows null and applies defaults when a factor is created. */
  totp: { issuer: string | null; timeStep: number | null; codeLength: number | null; skew: number | null };
  whatsapp: { msgServiceSid: string | null; from: string | null };
  /** Absent in records stored before the emulator knew passkeys; read as all-null (not configured). */
  passkeys?: PasskeysSettings;
  defaultTemplateSid: string | null;
  verifyEventSubscriptionEnabled: boolean;
  dateCreated: number;
  dateUpdated: number;
}

/** The Service's passkeys settings: stored and echoed (passkey factors themselves are not emulated). */
export interface PasskeysSettings {
  relyingParty: { id: string | null; name: string | null; origins: string[] | null };
  authenticatorAttachment: string | null;
  discoverableCredentials: string | null;
  userVerification: string | null;
}

export interface EntityRecord {
  sid: string;
  serviceSid: string;
  identity: string;
  dateCreated: number;
  dateUpdated: number;
  /** Creation times of factors within the last 24 h, for the 60326 limit (deleted factors still count). */
  recentFactorCreations: number[];
}

export interface TotpConfig {
  alg: TotpAlgorithm;
  skew: number;
  codeLength: number;
  timeStep: number;
}

export interface FactorRecord {
  sid: string;
  serviceSid: string;
  entitySid: string;
  identity: string;
  friendlyName: string;
  /** Base32 secret; leaves the emulator only in the create response (binding). */
  secret: string;
  status: 'unverified' | 'verified';
  config: TotpConfig;
  metadata: Record<string, unknown> | null;
  dateCreated: number;
  dateUpdated: number;
  failedAttempts: number;
  /** Highest time step ever accepted, for the RFC 6238 §5.2 replay rule. */
  lastAcceptedStep: number | null;
}

export interface ChallengeRecord {
  sid: string;
  serviceSid: string;
  entitySid: string;
  identity: string;
  factorSid: string;
  /** `expired` is never stored: it is derived from expirationDate on every read. */
  status: 'pending' | 'approved' | 'denied';
  respondedReason: 'none' | 'not_needed' | 'not_requested';
  details: Record<string, unknown> | null;
  hiddenDetails: Record<string, unknown> | null;
  metadata: Record<string, unknown> | null;
  dateCreated: number;
  dateUpdated: number;
  dateResponded: number | null;
  expirationDate: number;
  failedAttempts: number;
}

/** Verify's part of the snapshot. */
export interface VerifySnapshot {
  services: ServiceRecord[];
  entities: EntityRecord[];
  factors: FactorRecord[];
  challenges: ChallengeRecord[];
}

export type ResourceKind = 'service' | 'entity' | 'factor' | 'challenge';

/** One durable change; a mutation writes all its changes as one journal entry so it applies entirely or not at all. */
export type VerifyChange =
  | Put<'service', ServiceRecord>
  | Put<'entity', EntityRecord>
  | Put<'factor', FactorRecord>
  | Put<'challenge', ChallengeRecord>
  | Remove<ResourceKind>;
