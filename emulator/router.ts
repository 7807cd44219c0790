// Matches a request to the operations table by method and OpenAPI path template.
import type { Operation } from './verify/types';

export type RouteMatch =
  | { kind: 'operation'; operation: Operation; path: Record<string, string> }
  | { kind: 'method-not-allowed' }
  | { kind: 'not-found' };

interface CompiledRoute {
  operation: Operation;
  pattern: RegExp;
  names: string[];
}

export function createRouter(operations: readonly Operation[]): (method: string, pathname: string) => RouteMatch {
  const routes: CompiledRoute[] = operations.map((operation) => {
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
