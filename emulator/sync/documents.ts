// Documents: CreateDocument, FetchDocument, ListDocument, UpdateDocument, DeleteDocument (by SID or unique name).
import { newSid } from '../core/crypto';
import { missingParameter } from '../core/errors';
import { pathParam } from '../core/operations';
import { listPage } from '../core/paging';
import { syncError } from './errors';
import { DOCUMENT_SID, isExpired, liveAmong, requireDocument, requireRevision, requireService } from './lookup';
import { expiryAfter, parseData, parseTtl, parseUniqueName } from './params';
import type { DocumentRecord } from './records';
import { renderDocument } from './resources';
import { ifMatchOf, objectResult, type SyncContext, type SyncOperation } from './types';
import type { OperationResult } from '../core/operations';

function documentResult(ctx: SyncContext, status: number, document: DocumentRecord): OperationResult {
  return objectResult(status, renderDocument(ctx.render, document), document.revision);
}

export const documentOperations: SyncOperation[] = [
  {
    name: 'CreateDocument',
    method: 'POST',
    path: '/v1/Services/{ServiceSid}/Documents',
    run(ctx, request) {
      const { params } = request;
      const service = requireService(ctx, request);
      const uniqueName = parseUniqueName(params, DOCUMENT_SID);
      const data = parseData(params, false) ?? {};
      const ttl = parseTtl(params, 'Ttl') ?? 0;
      // A taken unique name makes create an atomic claim: exactly one of many concurrent creators wins (54301).
      const holder = uniqueName === null ? undefined : ctx.store.findDocumentByName(service.sid, uniqueName);
      if (holder && !isExpired(ctx, holder)) throw syncError(54301);
      const now = ctx.clock.now();
      const document: DocumentRecord = {
        sid: newSid('ET'),
        serviceSid: service.sid,
        uniqueName,
        data,
        revision: 0,
        dateExpires: expiryAfter(now, ttl),
        dateCreated: now,
        dateUpdated: now,
      };
      ctx.store.saveDocument(document, holder ? [holder] : []);
      return documentResult(ctx, 201, document);
    },
  },
  {
    name: 'FetchDocument',
    method: 'GET',
    path: '/v1/Services/{ServiceSid}/Documents/{Sid}',
    run(ctx, request) {
      return documentResult(ctx, 200, requireDocument(ctx, requireService(ctx, request), pathParam(request, 'Sid')));
    },
  },
  {
    name: 'ListDocument',
    method: 'GET',
    path: '/v1/Services/{ServiceSid}/Documents',
    run(ctx, request) {
      const documents = liveAmong(ctx, ctx.store.listDocuments(requireService(ctx, request).sid));
      return listPage(ctx, request, 'documents', documents, (document) => renderDocument(ctx.render, document));
    },
  },
  {
    name: 'UpdateDocument',
    method: 'POST',
    path: '/v1/Services/{ServiceSid}/Documents/{Sid}',
    run(ctx, request) {
      const { params } = request;
      const current = requireDocument(ctx, requireService(ctx, request), pathParam(request, 'Sid'));
      const data = parseData(params, false);
      const ttl = parseTtl(params, 'Ttl');
      if (data === undefined && ttl === undefined) throw missingParameter('Data or Ttl');
      requireRevision(ifMatchOf(request), current.revision, 54103);
      ctx.writeRate.admit(current.sid);
      const now = ctx.clock.now();
      // The TTL does not move with an update: only a new Ttl sets a new expiry (0 removes it).
      const document: DocumentRecord = {
        ...current,
        data: data ?? current.data,
        dateExpires: ttl === undefined ? current.dateExpires : expiryAfter(now, ttl),
        revision: current.revision + 1,
        dateUpdated: now,
      };
      ctx.store.saveDocument(document);
      return documentResult(ctx, 200, document);
    },
  },
  {
    name: 'DeleteDocument',
    method: 'DELETE',
    path: '/v1/Services/{ServiceSid}/Documents/{Sid}',
    run(ctx, request) {
      const document = requireDocument(ctx, requireService(ctx, request), pathParam(request, 'Sid'));
      // Sync's description has no If-Match on this delete; one sent anyway is honoured rather than ignored.
      requireRevision(ifMatchOf(request), document.revision, 54103);
      ctx.writeRate.admit(document.sid);
      ctx.store.deleteDocument(document.sid);
      return { status: 204 };
    },
  },
];
