/**
 * Signed URLs: download URLs (`/object/sign`, one or many, checked as the caller when signed,
 * served as the service when fetched) and upload URLs (`/object/upload/sign`, the INSERT policy
 * checked when signed, the upload done as the service on behalf of the token's owner).
 */
import { randomUUID } from 'node:crypto';
import { sendJson, header, type GatewayContext } from '../core/http.ts';
import { JwtError, signLegacy, verifyJwt, type Claims } from '../core/jwt.ts';
import { ERR } from './errors.ts';
import { asCaller, authenticate, ownerOf, serviceCaller } from './auth.ts';
import { readJson } from './bodies.ts';
import { findBucket } from './buckets.ts';
import { checkBucketName, checkKey } from './files.ts';
import { writeObject } from './object-writes.ts';
import { findObjectAs, findObjectAsService, sendObject } from './objects.ts';

const SIGNED_UPLOAD_TTL = 2 * 3600;

function verifySignedToken(ctx: GatewayContext, expectedUrl: string): Claims {
	const token = ctx.url.searchParams.get('token');
	if (!token) throw ERR.invalidJwt('Missing token');
	let payload: Claims;
	try {
		payload = verifyJwt(token);
	} catch (err) {
		if (err instanceof JwtError && err.kind === 'expired') throw ERR.expiredToken();
		throw ERR.invalidJwt(err instanceof Error ? err.message : 'Invalid JWT');
	}
	if (typeof payload.url !== 'string' || payload.url !== expectedUrl) throw ERR.invalidSignature();
	if (typeof payload.exp !== 'number') throw ERR.invalidJwt('Token has no expiry');
	return payload;
}

function expiresIn(body: Record<string, unknown>): number {
	const n = body.expiresIn;
	if (typeof n !== 'number' || !Number.isFinite(n) || n < 1)
		throw ERR.invalidRequest('body/expiresIn must be >= 1');
	return Math.floor(n);
}

function signUrl(url: string, seconds: number): string {
	const iat = Math.floor(Date.now() / 1000);
	return signLegacy({ url, iat, exp: iat + seconds });
}

export async function signObject(ctx: GatewayContext, bucketId: string, name: string) {
	const caller = authenticate(ctx);
	checkBucketName(bucketId);
	checkKey(name);
	const body = await readJson(ctx);
	const seconds = expiresIn(body);
	await findObjectAs(ctx, caller, bucketId, name, 'storage.object.sign');
	const url = `${bucketId}/${name}`;
	sendJson(ctx.res, 200, { signedURL: `/object/sign/${url}?token=${signUrl(url, seconds)}` });
}

export async function signObjects(ctx: GatewayContext, bucketId: string) {
	const caller = authenticate(ctx);
	checkBucketName(bucketId);
	const body = await readJson(ctx);
	const seconds = expiresIn(body);
	const paths = body.paths;
	if (!Array.isArray(paths) || paths.length === 0 || !paths.every((p) => typeof p === 'string'))
		throw ERR.invalidRequest('body/paths must be a non-empty array of strings');
	const visible = await asCaller(ctx, caller, 'storage.object.sign_many', async (db) => {
		const r = await db.query(
			'select name from storage.objects where bucket_id = $1 and name = any($2::text[])',
			[bucketId, paths]
		);
		return new Set(r.rows.map((x) => x.name as string));
	});
	sendJson(
		ctx.res,
		200,
		(paths as string[]).map((path) => {
			if (!visible.has(path))
				return {
					error: 'Either the object does not exist or you do not have access to it',
					path,
					signedURL: null
				};
			const url = `${bucketId}/${path}`;
			return {
				error: null,
				path,
				signedURL: `/object/sign/${url}?token=${signUrl(url, seconds)}`
			};
		})
	);
}

export async function getSigned(ctx: GatewayContext, bucketId: string, name: string) {
	const payload = verifySignedToken(ctx, `${bucketId}/${name}`);
	checkBucketName(bucketId);
	checkKey(name);
	const obj = await findObjectAsService(bucketId, name);
	await sendObject(ctx, obj, { expires: new Date((payload.exp as number) * 1000).toUTCString() });
}

export async function createSignedUpload(ctx: GatewayContext, bucketId: string, name: string) {
	const caller = authenticate(ctx);
	checkBucketName(bucketId);
	checkKey(name);
	await readJson(ctx);
	const bucket = await findBucket(bucketId);
	if (!bucket) throw ERR.noSuchBucket();
	const upsert = header(ctx, 'x-upsert') === 'true';
	const { owner, ownerId } = ownerOf(caller);
	// Test the INSERT (or upsert) policy now, then roll the probe back.
	await asCaller(ctx, caller, 'storage.object.sign_upload_url', async (db, tx) => {
		await db.query(
			`insert into storage.objects (bucket_id, name, owner, owner_id, metadata, version)
			 values ($1, $2, $3, $4, '{}', $5)
			 ${upsert ? 'on conflict (bucket_id, name) do update set updated_at = now()' : ''}`,
			[bucketId, name, owner, ownerId, randomUUID()]
		);
		tx.rollbackOnly();
	});
	const iat = Math.floor(Date.now() / 1000);
	const url = `${bucketId}/${name}`;
	const token = signLegacy({ owner: ownerId, url, upsert, iat, exp: iat + SIGNED_UPLOAD_TTL });
	sendJson(ctx.res, 200, { url: `/object/upload/sign/${url}?token=${token}`, token });
}

export async function uploadSigned(ctx: GatewayContext, bucketId: string, name: string) {
	const payload = verifySignedToken(ctx, `${bucketId}/${name}`);
	const owner = typeof payload.owner === 'string' ? payload.owner : null;
	const result = await writeObject(
		ctx,
		bucketId,
		name,
		'create',
		serviceCaller(owner),
		payload.upsert === true,
		'storage.object.upload_signed'
	);
	sendJson(ctx.res, 200, result);
}
