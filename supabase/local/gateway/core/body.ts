/** Reading request bodies: size limits, draining, JSON objects. Each service maps the errors. */
import type { IncomingMessage } from 'node:http';

export class BodyTooLarge extends Error {}

/** A body that is not a JSON object; `message` says why (the parser's words or "expected an object"). */
export class InvalidJson extends Error {}

/**
 * The whole body, or BodyTooLarge as soon as it passes `limit`. The request is never destroyed:
 * what is still coming is discarded (Node dumps an unread body once the answer is sent), so the
 * client reads the 413 and a keep-alive connection serves its next request.
 */
export function readBody(req: IncomingMessage, limit = 10 * 1024 * 1024): Promise<Buffer> {
	return new Promise<Buffer>((resolve, reject) => {
		const chunks: Buffer[] = [];
		let size = 0;
		let done = false;
		const onData = (chunk: Buffer) => {
			if (done) return;
			size += chunk.length;
			if (size > limit) {
				done = true;
				chunks.length = 0;
				req.off('data', onData);
				req.resume();
				reject(new BodyTooLarge(`body exceeds ${limit} bytes`));
				return;
			}
			chunks.push(chunk);
		};
		req.on('data', onData);
		req.once('end', () => {
			if (!done) {
				done = true;
				resolve(Buffer.concat(chunks));
			}
		});
		req.once('error', (err) => {
			if (!done) {
				done = true;
				reject(err);
			}
		});
		req.once('close', () => {
			if (!done) {
				done = true;
				reject(new Error('request closed before its body was read'));
			}
		});
	});
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
