// `npm run deploy`: checks what twilio-run would upload, refuses local-only variables and a configuration the Functions
// would refuse, then runs `twilio-run deploy` (`-- --rehearse`: the same deploy to the local emulator, scripts/rehearse.ts).
// The check asks twilio-run itself (same flags, same .twilioserverlessrc, same env-file filter), so it cannot drift.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Argv } from 'yargs';
import { builder as deployOptions } from 'twilio-run/dist/commands/deploy';
import { getConfigFromFlags, type DeployCliFlags } from 'twilio-run/dist/config/deploy';
import { ConfigError, parseConfig } from '../lib/config';

/**
 * Variables that only make sense on a developer's machine; uploading them would point a live service at nothing.
 * The emulator's variables under their former names too (VERIFY_EMULATOR_URL, VERIFY_EMULATOR_PORT).
 */
export const LOCAL_ONLY_VARIABLES = ['EMULATOR_URL', 'EMULATOR_PORT', 'VERIFY_EMULATOR_URL', 'VERIFY_EMULATOR_PORT', 'PORT'] as const;
/** Variables a deployed kit needs; a missing one stops the deploy before the upload, not a failing Function later. */
const REQUIRED_VARIABLES = ['VERIFY_SERVICE_SID', 'IDENTITY_SECRET', 'RECOVERY_CODE_SECRET'] as const;
/** One of each pair is needed: how caller tokens are checked, how approvals are signed. */
const CALLER_TOKEN_VARIABLES = ['AUTH_JWT_SECRET', 'AUTH_JWKS_URL'] as const;
const APPROVAL_SIGNING_VARIABLES = ['APPROVAL_SIGNING_KEY', 'APPROVAL_SIGNING_SECRET'] as const;
/** Stands in for the runtime's DOMAIN_NAME when the configuration is checked before it exists. */
const DEPLOY_CHECK_DOMAIN = 'deploy-check.twil.io';

export interface DeployPlan {
  /** The env file twilio-run reads; its variables become the service's environment variables. */
  envPath: string;
  /** Names of the variables twilio-run would upload (after its own filter drops ACCOUNT_SID, AUTH_TOKEN, empties). */
  uploadedVariables: string[];
  functionsFolder: string | undefined;
  assetsFolder: string | undefined;
  runtime: string | undefined;
  /** Reasons to refuse the deploy. */
  problems: string[];
  /** Worth saying, but not blocking. */
  warnings: string[];
}

type YargsFactory = (args: string[]) => Argv<unknown>;

/** twilio-run's own yargs, so its deploy options parse exactly as `twilio-run deploy` parses them. */
function loadTwilioRunYargs(): YargsFactory {
  const twilioRunDir = dirname(require.resolve('twilio-run/package.json'));
  return require(require.resolve('yargs', { paths: [twilioRunDir] })) as YargsFactory;
}

function parseDeployFlags(args: string[], cwd: string): DeployCliFlags {
  const parser = deployOptions(loadTwilioRunYargs()(args).help(false).version(false));
  const flags = parser.parseSync();
  return { ...flags, cwd: resolve(cwd, flags.cwd ?? '.') };
}

/** Works out what `twilio-run deploy <args>` would upload from `cwd`, and whether that is safe. */
export async function planDeploy(args: string[], cwd: string = process.cwd()): Promise<DeployPlan> {
  const config = await getConfigFromFlags(parseDeployFlags(args, cwd));
  const uploadedVariables = Object.keys(config.env).sort();
  const problems: string[] = [];
  const warnings: string[] = [];

  for (const name of LOCAL_ONLY_VARIABLES) {
    if (uploadedVariables.includes(name)) {
      problems.push(`${name} is set in ${config.envPath}; it is for local runs only and must not be uploaded (keep it in .env.local)`);
    }
  }
  if (basename(config.envPath) === '.env.local') {
    problems.push(`${config.envPath} is the local stack's file (emulator credentials); deploy with .env instead`);
  }

  const functionsDir = join(config.cwd, config.functionsFolderName ?? 'functions');
  if (!existsSync(functionsDir) || !readdirSync(functionsDir).length) {
    problems.push(`${functionsDir} is empty or missing; run \`npm run build\` first`);
  }

  // Without these the Functions refuse every request, so a deploy would only upload a broken service.
  const missing = REQUIRED_VARIABLES.filter((name) => !uploadedVariables.includes(name));
  for (const name of missing) problems.push(`${name} is not set in ${config.envPath}; run \`npm run setup\``);
  const hasApprovalSigning = APPROVAL_SIGNING_VARIABLES.some((name) => uploadedVariables.includes(name));
  if (!hasApprovalSigning) {
    problems.push(`neither APPROVAL_SIGNING_KEY nor APPROVAL_SIGNING_SECRET is set in ${config.envPath}; run \`npm run setup\``);
  }
  const hasCallerKey = CALLER_TOKEN_VARIABLES.some((name) => uploadedVariables.includes(name));
  if (!hasCallerKey) {
    problems.push(`neither AUTH_JWT_SECRET nor AUTH_JWKS_URL is set in ${config.envPath}; the browser endpoints would reject every caller`);
  }
  // Finding 1 of the security review: refused even while other variables are still missing.
  const jwksChecks = ['AUTH_AUDIENCE', 'AUTH_ISSUER'].filter((name) => !uploadedVariables.includes(name));
  if (uploadedVariables.includes('AUTH_JWKS_URL') && jwksChecks.length > 0) {
    problems.push(
      `AUTH_JWKS_URL is set without ${jwksChecks.join(' and ')} in ${config.envPath}; a provider signs every application's tokens with the same keys, so the Functions refuse to run without both`,
    );
  } else if (missing.length === 0 && hasApprovalSigning && hasCallerKey) {
    // Everything is there: check it as the Functions will, so a value they refuse stops the deploy instead of every request.
    try {
      parseConfig({ ...config.env, DOMAIN_NAME: DEPLOY_CHECK_DOMAIN });
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(`${error.variable} ${error.problem} (in ${config.envPath}); the deployed Functions would refuse every request`);
    }
  }

  return {
    envPath: config.envPath,
    uploadedVariables,
    functionsFolder: config.functionsFolderName,
    assetsFolder: config.assetsFolderName,
    runtime: config.runtime,
    problems,
    warnings,
  };
}

async function main(args: string[]): Promise<number> {
  if (args.includes('--rehearse')) {
    // The rehearsal: the same twilio-run deploy, to the local emulator (loaded here only: a real deploy never needs it).
    const { rehearseCli } = require('./rehearse') as typeof import('./rehearse');
    return rehearseCli(args.filter((arg) => arg !== '--rehearse'));
  }
  const plan = await planDeploy(args);
  for (const warning of plan.warnings) console.warn(`warning: ${warning}`);
  if (plan.problems.length > 0) {
    for (const problem of plan.problems) console.error(`refusing to deploy: ${problem}`);
    return 1;
  }
  console.log(`Uploading variables from ${plan.envPath}: ${plan.uploadedVariables.join(', ') || '(none)'}`);
  const twilioRun = require.resolve('twilio-run/bin/twilio-run.js');
  const result = spawnSync(process.execPath, [twilioRun, 'deploy', ...args], { stdio: 'inherit' });
  return result.status ?? 1;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    },
  );
}
