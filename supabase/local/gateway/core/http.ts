/** HTTP helpers shared by the gateway's services: the per-request context and JSON answers. */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** What the gateway step (docs/local-runtime.md, "Gateway") hands each service. */
export interface GatewayContext {
	req: IncomingMessage;
	res: ServerResponse;
	url: URL;
	/** Path below the service prefix, e.g. `/token` for `/auth/v1/token`. */
	path: string;
	/** Role of the presented apikey (`anon`/`service_role`), null when none or unknown. */
	apikeyRole: 'anon' | 'service_role' | null;
	/** Bearer token after the gateway's rewrite (a user JWT, an internal key JWT, or null). */
	bearer: string | null;
}

/** One request header as a string (the first value when repeated). */
export function header(ctx: GatewayContext, name: string): string | undefined {
	const v = ctx.req.headers[name];
	return Array.isArray(v) ? v[0] : v;
}

export function sendJson(
	res: ServerResponse,
	status: number,
	body: unknown,
	headers: Record<string, string> = {}
) {
	const text = body === undefined ? '' : JSON.stringify(body);
	res.writeHead(status, {
		'Content-Type': 'application/json; charset=utf-8',
		...headers
	});
	res.end(text);
}

/** A `303 See Other` that is never cached (Auth's e-mail links). */
export function seeOther(res: ServerResponse, location: string) {
	res.writeHead(303, { Location: location, 'Cache-Control': 'no-store' });
	res.end();
}

/** Percent-decodes each `/`-separated segment; null when the encoding is broken. */
export function decodeSegments(path: string): string[] | null {
	try {
		return path.split('/').map((s) => decodeURIComponent(s));
	} catch {
		return null;
	}
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A UUID in its canonical text form (ids in paths, `sub` and `session_id` claims). */
export function isUuid(value: string): boolean {
	return UUID_RE.test(value);
}
