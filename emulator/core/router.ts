// Matches a request to an operations table by method and OpenAPI path template (any product's table).

/** What the router needs of an operation; each product's operations carry their own context and result types. */
export interface Routable {
  method: string;
  /** OpenAPI path template, e.g. /v2/Services/{ServiceSid}/Entities/{Identity}. */
  path: string;
}

export type RouteMatch<O extends Routable> =
  | { kind: 'operation'; operation: O; path: Record<string, string> }
  | { kind: 'method-not-allowed' }
  | { kind: 'not-found' };

interface CompiledRoute<O extends Routable> {
  operation: O;
  pattern: RegExp;
  names: string[];
}

export function createRouter<O extends Routable>(operations: readonly O[]): (method: string, pathname: string) => RouteMatch<O> {
  const routes: CompiledRoute<O>[] = operations.map((operation) => {
    const names: string[] = [];
    const source = operation.path.replace(/\{(\w+)\}/g, (_match, name: string) => {
      names.push(name);
      return '([^/]+)';
    });
    return { operation, pattern: new RegExp(`^${source}/?$`), names };
  });
  return (method, pathname) => {
    let pathMatched = false;
    for (const route of routes) {
      const match = route.pattern.exec(pathname);
      if (!match) continue;
      pathMatched = true;
      if (route.operation.method !== method) continue;
      const path: Record<string, string> = {};
      route.names.forEach((name, index) => {
        path[name] = safeDecode(match[index + 1] ?? '');
      });
      return { kind: 'operation', operation: route.operation, path };
    }
    return pathMatched ? { kind: 'method-not-allowed' } : { kind: 'not-found' };
  };
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
