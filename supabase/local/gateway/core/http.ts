/** Small HTTP helpers shared by the gateway's services. */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** What the gateway step (SUPABASE_CONTRACTS.md 1.2) hands each service. */
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

export class BodyTooLarge extends Error {}

export async function readBody(req: IncomingMessage, limit = 10 * 1024 * 1024): Promise<Buffer> {
	const chunks: Buffer[] = [];
	let size = 0;
	for await (const chunk of req) {
		size += (chunk as Buffer).length;
		if (size > limit) throw new BodyTooLarge(`body exceeds ${limit} bytes`);
		chunks.push(chunk as Buffer);
	}
	return Buffer.concat(chunks);
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
