/**
 * Storage request bodies: small JSON bodies of the API calls, and upload bodies (a raw body with
 * `content-type`/`cache-control`/`x-metadata` headers, or storage-js's multipart form), checked
 * against the bucket's size limit and allowed MIME types.
 */
import { BodyTooLarge, InvalidJson, readBody, readJsonObject } from '../core/body.ts';
import { header, type GatewayContext } from '../core/http.ts';
import { ERR } from './errors.ts';
import { MultipartError, multipartBoundary, parseMultipart } from './multipart.ts';
import type { Bucket } from './buckets.ts';

export async function readJson(ctx: GatewayContext): Promise<Record<string, unknown>> {
	try {
		return await readJsonObject(ctx.req, 1024 * 1024);
	} catch (err) {
		if (err instanceof BodyTooLarge) throw ERR.entityTooLarge();
		if (err instanceof InvalidJson) throw ERR.invalidRequest('Body is not valid JSON');
		throw err;
	}
}

interface UploadInput {
	data: Buffer;
	mimetype: string;
	cacheControl: string;
	userMetadata: Record<string, unknown> | null;
}

function parseUserMetadata(text: string): Record<string, unknown> {
	try {
		const v = JSON.parse(text);
		if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
	} catch {
		/* falls through */
	}
	throw ERR.invalidRequest('Invalid metadata');
}

export async function readUpload(ctx: GatewayContext, limit: number): Promise<UploadInput> {
	const contentType = header(ctx, 'content-type');
	const boundary = multipartBoundary(contentType);
	const declared = Number(header(ctx, 'content-length') ?? NaN);
	if (!boundary && Number.isFinite(declared) && declared > limit) throw ERR.entityTooLarge();
	let raw: Buffer;
	try {
		// Multipart framing is not part of the object; allow some slack and check the part itself.
		raw = await readBody(ctx.req, boundary ? limit + 64 * 1024 : limit);
	} catch (err) {
		if (err instanceof BodyTooLarge) throw ERR.entityTooLarge();
		throw err;
	}
	if (!boundary) {
		const xMeta = header(ctx, 'x-metadata');
		return {
			data: raw,
			mimetype: contentType ?? 'application/octet-stream',
			cacheControl: header(ctx, 'cache-control') ?? 'no-cache',
			userMetadata: xMeta ? parseUserMetadata(Buffer.from(xMeta, 'base64').toString('utf8')) : null
		};
	}
	let parts;
	try {
		parts = parseMultipart(raw, boundary);
	} catch (err) {
		if (err instanceof MultipartError) throw ERR.invalidRequest(err.message);
		throw err;
	}
	const file = parts.find((p) => p.filename !== null) ?? parts.find((p) => p.name === '');
	if (!file) throw ERR.noContent();
	const field = (name: string) => {
		const p = parts.find((x) => x.name === name && x !== file && x.filename === null);
		return p ? p.data.toString('utf8') : undefined;
	};
	if (file.data.length > limit) throw ERR.entityTooLarge();
	const cache = field('cacheControl');
	const meta = field('metadata');
	return {
		data: file.data,
		mimetype: field('contentType') || file.contentType || 'text/plain',
		cacheControl: cache ? `max-age=${cache}` : 'no-cache',
		userMetadata: meta ? parseUserMetadata(meta) : null
	};
}

/** Storage's rule: allowed entries match on equal type and equal subtype or `*`. */
export function checkMimeType(bucket: Bucket, mimetype: string) {
	const allowed = bucket.allowedMimeTypes;
	if (!allowed || allowed.length === 0) return;
	const [type, subtype] = mimetype.split('/');
	if (subtype === undefined) throw ERR.invalidMimeType(mimetype);
	const ok = allowed.some((entry) => {
		const [t, s] = entry.split('/');
		return t === type && (s === '*' || s === subtype);
	});
	if (!ok) throw ERR.invalidMimeType(mimetype);
}
