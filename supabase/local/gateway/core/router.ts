/**
 * Table-driven routing: each service lists its routes as `{ method, pattern, handler }` rows and
 * the first row whose method and pattern both match serves the request (per-method matching,
 * like the real services' routers). A pattern's capture groups are passed to the handler as they are (`''` for a group
 * that did not take part).
 */
import type { GatewayContext } from './http.ts';

export interface Route {
	/** One method or several; `*` matches any. */
	method: string | readonly string[];
	/** Matched against the service path (`ctx.path`, or a normalised form of it). */
	pattern: RegExp;
	handler: (ctx: GatewayContext, params: string[]) => Promise<void> | void;
}

/** GET and HEAD, served by the same handler. */
export const READ = ['GET', 'HEAD'] as const;

export type RouteMatch =
	| { kind: 'found'; route: Route; params: string[] }
	/** Some row matches the path, none the method. */
	| { kind: 'method-not-allowed' }
	| { kind: 'not-found' };

function methodMatches(route: Route, method: string): boolean {
	if (route.method === '*') return true;
	return typeof route.method === 'string' ? route.method === method : route.method.includes(method);
}

export function findRoute(routes: readonly Route[], method: string, path: string): RouteMatch {
	let pathMatched = false;
	for (const route of routes) {
		const m = route.pattern.exec(path);
		if (!m) continue;
		if (methodMatches(route, method))
			return { kind: 'found', route, params: m.slice(1).map((s) => s ?? '') };
		pathMatched = true;
	}
	return pathMatched ? { kind: 'method-not-allowed' } : { kind: 'not-found' };
}
