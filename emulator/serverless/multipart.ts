// Reads the multipart/form-data body of a Version upload (RFC 7578): each part's name, filename, Content-Type and
// bytes. Only what the upload host needs: no nested multipart, no transfer encodings.

export interface FormPart {
  name: string;
  filename: string | null;
  contentType: string | null;
  content: Buffer;
}

/** A body that is not multipart/form-data as announced; the message says what is wrong (never the content). */
export class MultipartError extends Error {
  override name = 'MultipartError';
}

/** The boundary of a `multipart/form-data; boundary=…` Content-Type (RFC 2046 §5.1.1: 1–70 characters). */
export function boundaryOf(contentType: string | undefined): string {
  const [type, ...parameters] = (contentType ?? '').split(';');
  if (type?.trim().toLowerCase() !== 'multipart/form-data') throw new MultipartError('the upload must be multipart/form-data');
  for (const parameter of parameters) {
    const match = /^\s*boundary=(?:"([^"]{1,70})"|([^\s";]{1,70}))\s*$/i.exec(parameter);
    if (match) return match[1] ?? match[2] ?? '';
  }
  throw new MultipartError('the multipart Content-Type has no boundary');
}

function headerValue(headers: string[], name: string): string | null {
  const line = headers.find((header) => header.toLowerCase().startsWith(`${name}:`));
  return line === undefined ? null : line.slice(name.length + 1).trim();
}

/** A Content-Disposition parameter (`name="Path"`), quoted or not. */
function dispositionParameter(disposition: string, name: string): string | null {
  const match = new RegExp(`;\\s*${name}=(?:"([^"]*)"|([^;\\s]*))`, 'i').exec(disposition);
  return match === null ? null : (match[1] ?? match[2] ?? '');
}

/** Every part of `body`, in order. */
export function parseMultipart(body: Buffer, boundary: string): FormPart[] {
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: FormPart[] = [];
  let at = body.indexOf(delimiter);
  if (at === -1) throw new MultipartError('the body holds no part');
  for (;;) {
    at += delimiter.length;
    if (body.subarray(at, at + 2).toString('latin1') === '--') return parts;
    if (body.subarray(at, at + 2).toString('latin1') !== '\r\n') throw new MultipartError('a boundary line is malformed');
    const headersEnd = body.indexOf('\r\n\r\n', at + 2);
    if (headersEnd === -1) throw new MultipartError('a part has no end of headers');
    const headers = body.subarray(at + 2, headersEnd).toString('utf8').split('\r\n');
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delimiter]), headersEnd + 4);
    if (next === -1) throw new MultipartError('the body ends before its closing boundary');
    const disposition = headerValue(headers, 'content-disposition');
    const name = disposition === null ? null : dispositionParameter(disposition, 'name');
    if (disposition === null || !/^form-data\b/i.test(disposition) || name === null) throw new MultipartError('a part has no form-data name');
    parts.push({
      name,
      filename: dispositionParameter(disposition, 'filename'),
      contentType: headerValue(headers, 'content-type'),
      content: body.subarray(headersEnd + 4, next),
    });
    at = next + 2;
  }
}
