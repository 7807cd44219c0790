// Function and Asset Versions: the multipart upload (on the upload host only, as Twilio serves it), list, fetch, and a
// Function Version's Content. The upload's Path, Visibility and Content are kept exactly as they arrived.
import { newSid } from '../core/crypto';
import { coreError, missingParameter, resourceNotFound } from '../core/errors';
import { pathParam } from '../core/operations';
import { listPage } from '../core/paging';
import { invalidServerlessParameter, refusal } from './errors';
import { requireResource } from './lookup';
import { boundaryOf, MultipartError, parseMultipart, type FormPart } from './multipart';
import { normalizePath } from './params';
import type { ResourceKind, VersionRecord, Visibility } from './records';
import { renderVersion, renderVersionContent } from './resources';
import { requestHostOf, type ServerlessContext, type ServerlessOperation, type ServerlessRequest } from './types';

/** The host Twilio takes Version uploads on (serverless-api's upload calls go there; the API host only lists them). */
export const UPLOAD_HOST = 'serverless-upload.twilio.com';
/** "Each public or protected file can be up to 25 MB" (Console assets page; serverless-toolkit issue 167: 413 above). */
export const MAX_ASSET_BYTES = 25 * 1024 * 1024;
const VISIBILITIES: readonly Visibility[] = ['public', 'protected', 'private'];

function partNamed(parts: readonly FormPart[], name: string): FormPart {
  const part = parts.find((candidate) => candidate.name === name);
  if (part === undefined) throw missingParameter(name);
  return part;
}

function requireVersion(ctx: ServerlessContext, request: ServerlessRequest, kind: ResourceKind, param: string): VersionRecord {
  const resource = requireResource(ctx, request, kind, param);
  const version = ctx.store.findVersion(pathParam(request, 'Sid'));
  if (version === undefined || version.resourceSid !== resource.sid) throw resourceNotFound(request.pathname);
  return version;
}

function operationsFor(kind: ResourceKind, collection: 'Functions' | 'Assets', param: 'FunctionSid' | 'AssetSid', name: 'Function' | 'Asset'): ServerlessOperation[] {
  const path = `/v1/Services/{ServiceSid}/${collection}/{${param}}/Versions`;
  const key = kind === 'function' ? 'function_versions' : 'asset_versions';
  return [
    {
      // Not in the OpenAPI description: the upload host's multipart POST, as @twilio-labs/serverless-api sends it.
      name: `Create${name}Version`,
      method: 'POST',
      path,
      run(ctx, request) {
        // On the API host this path only lists: a POST there is a method it does not serve.
        if (requestHostOf(request) !== UPLOAD_HOST) throw coreError(20004);
        const resource = requireResource(ctx, request, kind, param);
        let parts: FormPart[];
        try {
          parts = parseMultipart(request.body, boundaryOf(request.headers['content-type']));
        } catch (error) {
          if (error instanceof MultipartError) throw refusal(`The upload could not be read: ${error.message}`);
          throw error;
        }
        const path = normalizePath(partNamed(parts, 'Path').content.toString('utf8'));
        if (path === undefined) throw invalidServerlessParameter('Path');
        const visibility = partNamed(parts, 'Visibility').content.toString('utf8').trim().toLowerCase() as Visibility;
        if (!VISIBILITIES.includes(visibility)) throw invalidServerlessParameter('Visibility');
        const content = partNamed(parts, 'Content');
        if (kind === 'asset' && content.content.length > MAX_ASSET_BYTES) throw coreError(20413);
        const version: VersionRecord = {
          sid: newSid('ZN'),
          serviceSid: resource.serviceSid,
          kind,
          resourceSid: resource.sid,
          path,
          visibility,
          contentType: content.contentType,
          content: content.content.toString('base64'),
          dateCreated: ctx.clock.now(),
        };
        ctx.store.saveVersion(version);
        return { status: 201, body: renderVersion(ctx.render, version) };
      },
    },
    {
      name: `List${name}Version`,
      method: 'GET',
      path,
      run(ctx, request) {
        const resource = requireResource(ctx, request, kind, param);
        return listPage(ctx, request, key, ctx.store.listVersions(resource.sid), (version) => renderVersion(ctx.render, version));
      },
    },
    {
      name: `Fetch${name}Version`,
      method: 'GET',
      path: `${path}/{Sid}`,
      run(ctx, request) {
        return { status: 200, body: renderVersion(ctx.render, requireVersion(ctx, request, kind, param)) };
      },
    },
  ];
}

export const functionVersionOperations: ServerlessOperation[] = [
  ...operationsFor('function', 'Functions', 'FunctionSid', 'Function'),
  {
    name: 'FetchFunctionVersionContent',
    method: 'GET',
    path: '/v1/Services/{ServiceSid}/Functions/{FunctionSid}/Versions/{Sid}/Content',
    run(ctx, request) {
      return { status: 200, body: renderVersionContent(ctx.render, requireVersion(ctx, request, 'function', 'FunctionSid')) };
    },
  },
];
export const assetVersionOperations = operationsFor('asset', 'Assets', 'AssetSid', 'Asset');
