/** Reading request bodies: size limits, draining, JSON objects. Each service maps the errors. */
import type { IncomingMessage } from 'node:http';

export class BodyTooLarge extends Error {}

/** A body that is not a JSON object; `message` says why (the parser's words or "expected an object"). */
export class InvalidJson extends Error {}

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

/** Discards what is still coming, so the client reads the error instead of a reset. */
export function drain(req: IncomingMessage): Promise<void> {
	return new Promise<void>((resolve) => {
		if (req.readableEnded) return resolve();
		req
			.on('end', resolve)
			.on('error', () => resolve())
			.on('close', resolve);
		req.resume();
	});
}

/** A JSON object body (`{}` when empty); throws BodyTooLarge or InvalidJson. */
export async function readJsonObject(
	req: IncomingMessage,
	limit: number
): Promise<Record<string, unknown>> {
	const text = (await readBody(req, limit)).toString('utf8').trim();
	if (!text) return {};
	let parsed: unknown;
	try {
		parsed = JSON.parse(text);
	} catch (err) {
		throw new InvalidJson((err as Error).message);
	}
	if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
		throw new InvalidJson('expected an object');
	return parsed as Record<string, unknown>;
}
