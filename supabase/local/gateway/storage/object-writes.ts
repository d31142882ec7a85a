/**
 * Writing objects: upload (insert, upsert), update, delete, bulk remove, move and copy. Rows are
 * written as the caller so storage policies decide; the file moves into place inside the same
 * transaction, so a refused row never leaves a file behind.
 */
import { createHash, randomUUID } from 'node:crypto';
import { copyFile, mkdir, rm, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { header, sendJson, type GatewayContext } from '../core/http.ts';
import { ERR } from './errors.ts';
import { asCaller, authenticate, ownerOf } from './auth.ts';
import type { Caller } from './auth.ts';
import { checkMimeType, readJson, readUpload } from './bodies.ts';
import { findBucket } from './buckets.ts';
import {
	bucketAndKey,
	checkBucketName,
	checkKey,
	objectFile,
	placeFile,
	removeFiles,
	TMP_DIR
} from './files.ts';
import type { ObjectMetadata } from './objects.ts';

const GLOBAL_FILE_SIZE_LIMIT = Number(
	process.env.SUPABASE_STORAGE_FILE_SIZE_LIMIT ?? 50 * 1024 * 1024
);

export async function writeObject(
	ctx: GatewayContext,
	bucketId: string,
	name: string,
	mode: 'create' | 'update',
	caller: Caller,
	upsert: boolean,
	operation?: string
) {
	checkBucketName(bucketId);
	checkKey(name);
	const bucket = await findBucket(bucketId);
	if (!bucket) throw ERR.noSuchBucket();
	const limit = Math.min(GLOBAL_FILE_SIZE_LIMIT, bucket.fileSizeLimit ?? Infinity);
	const input = await readUpload(ctx, limit);
	checkMimeType(bucket, input.mimetype);
	const eTag = `"${createHash('md5').update(input.data).digest('hex')}"`;
	const metadata: ObjectMetadata = {
		eTag,
		size: input.data.length,
		mimetype: input.mimetype,
		cacheControl: input.cacheControl,
		lastModified: new Date().toISOString(),
		contentLength: input.data.length,
		httpStatusCode: 200
	};
	await mkdir(TMP_DIR, { recursive: true });
	const tmp = resolve(TMP_DIR, randomUUID());
	await writeFile(tmp, input.data);
	const { owner, ownerId } = ownerOf(caller);
	const version = randomUUID();
	try {
		const id = await asCaller(
			ctx,
			caller,
			operation ?? (mode === 'update' ? 'storage.object.upload_update' : 'storage.object.upload'),
			async (db) => {
				let objectId: string = randomUUID();
				if (mode === 'update') {
					const r = await db.query(
						`update storage.objects
						    set metadata = $3, user_metadata = coalesce($4::jsonb, user_metadata),
						        version = $5, owner = $6, owner_id = $7,
						        updated_at = now(), last_accessed_at = now()
						  where bucket_id = $1 and name = $2
						returning id`,
						[bucketId, name, metadata, input.userMetadata, version, owner, ownerId]
					);
					if (!r.rows[0]) throw ERR.noSuchKey();
					objectId = r.rows[0].id;
				} else {
					// Plain INSERT without RETURNING: an INSERT policy alone allows an upload.
					await db.query(
						`insert into storage.objects
						   (id, bucket_id, name, owner, owner_id, metadata, user_metadata, version)
						 values ($1, $2, $3, $4, $5, $6, $7, $8)
						 ${
								upsert
									? `on conflict (bucket_id, name) do update
						    set metadata = excluded.metadata, user_metadata = excluded.user_metadata,
						        version = excluded.version, owner = excluded.owner,
						        owner_id = excluded.owner_id, updated_at = now(), last_accessed_at = now()`
									: ''
							}`,
						[objectId, bucketId, name, owner, ownerId, metadata, input.userMetadata, version]
					);
					if (upsert) {
						const r = await db.query(
							'select id from storage.objects where bucket_id = $1 and name = $2',
							[bucketId, name]
						);
						if (r.rows[0]) objectId = r.rows[0].id;
					}
				}
				await placeFile(tmp, bucketId, name);
				return objectId;
			}
		);
		return { Id: id, Key: `${bucketId}/${name}` };
	} catch (err) {
		await rm(tmp, { force: true });
		throw err;
	}
}

async function removeObjects(ctx: GatewayContext, bucketId: string) {
	const caller = authenticate(ctx);
	checkBucketName(bucketId);
	const body = await readJson(ctx);
	const prefixes = body.prefixes;
	if (
		!Array.isArray(prefixes) ||
		prefixes.length === 0 ||
		prefixes.length > 1000 ||
		!prefixes.every((p) => typeof p === 'string')
	)
		throw ERR.invalidRequest('body/prefixes must be an array of 1 to 1000 strings');
	const deleted = await asCaller(ctx, caller, 'storage.object.delete_many', async (db) => {
		const r = await db.query(
			`with d as (
			   delete from storage.objects where bucket_id = $1 and name = any($2::text[]) returning *
			 )
			 select coalesce(json_agg(to_jsonb(d) - 'path_tokens'), '[]'::json) as rows from d`,
			[bucketId, prefixes]
		);
		return r.rows[0].rows as { name: string }[];
	});
	await removeFiles(
		bucketId,
		deleted.map((d) => d.name)
	);
	sendJson(ctx.res, 200, deleted);
}

async function deleteObject(ctx: GatewayContext, bucketId: string, name: string) {
	const caller = authenticate(ctx);
	checkBucketName(bucketId);
	checkKey(name);
	const count = await asCaller(ctx, caller, 'storage.object.delete', async (db) => {
		const r = await db.query(
			'delete from storage.objects where bucket_id = $1 and name = $2 returning id',
			[bucketId, name]
		);
		return r.rowCount ?? 0;
	});
	if (count === 0) throw ERR.noSuchKey();
	await removeFiles(bucketId, [name]);
	sendJson(ctx.res, 200, { message: 'Successfully deleted' });
}

export async function moveOrCopy(ctx: GatewayContext, kind: 'move' | 'copy') {
	const caller = authenticate(ctx);
	const body = await readJson(ctx);
	const srcBucket = checkBucketName(body.bucketId);
	const srcKey = checkKey(body.sourceKey);
	const dstKey = checkKey(body.destinationKey);
	const dstBucket =
		body.destinationBucket === undefined || body.destinationBucket === null
			? srcBucket
			: checkBucketName(body.destinationBucket);
	const upsert = header(ctx, 'x-upsert') === 'true';
	const { owner, ownerId } = ownerOf(caller);
	if (kind === 'move') {
		const id = await asCaller(ctx, caller, 'storage.object.move', async (db) => {
			const r = await db.query(
				`update storage.objects
				    set bucket_id = $3, name = $4, owner = $5, owner_id = $6, updated_at = now()
				  where bucket_id = $1 and name = $2
				returning id`,
				[srcBucket, srcKey, dstBucket, dstKey, owner, ownerId]
			);
			if (!r.rows[0]) throw ERR.noSuchKey();
			await placeFile(objectFile(srcBucket, srcKey), dstBucket, dstKey);
			return r.rows[0].id as string;
		});
		sendJson(ctx.res, 200, {
			message: 'Successfully moved',
			Id: id,
			Key: `${dstBucket}/${dstKey}`
		});
		return;
	}
	const copyMetadata = body.copyMetadata !== false;
	const userMetadata =
		!copyMetadata && body.metadata && typeof body.metadata === 'object' ? body.metadata : null;
	const newId = randomUUID();
	const id = await asCaller(ctx, caller, 'storage.object.copy', async (db) => {
		const r = await db.query(
			`insert into storage.objects
			   (id, bucket_id, name, owner, owner_id, metadata, user_metadata, version)
			 select $5, $3, $4, $6, $7,
			        jsonb_set(coalesce(o.metadata, '{}'), '{lastModified}', to_jsonb($9::text)),
			        case when $10 then o.user_metadata else $11::jsonb end, $8
			   from storage.objects o
			  where o.bucket_id = $1 and o.name = $2
			 ${
					upsert
						? `on conflict (bucket_id, name) do update
			    set metadata = excluded.metadata, user_metadata = excluded.user_metadata,
			        version = excluded.version, owner = excluded.owner, owner_id = excluded.owner_id,
			        updated_at = now()`
						: ''
				}`,
			[
				srcBucket,
				srcKey,
				dstBucket,
				dstKey,
				newId,
				owner,
				ownerId,
				randomUUID(),
				new Date().toISOString(),
				copyMetadata,
				userMetadata
			]
		);
		if (!r.rowCount) throw ERR.noSuchKey();
		try {
			await placeFile(objectFile(srcBucket, srcKey), dstBucket, dstKey, copyFile);
		} catch (err) {
			if ((err as { code?: string }).code === 'ENOENT') throw ERR.noSuchKey();
			throw err;
		}
		return newId;
	});
	sendJson(ctx.res, 200, { Id: id, Key: `${dstBucket}/${dstKey}` });
}

/** POST (create, `x-upsert`) or PUT (update) `/object/<bucket>/<key>` as the caller. */
export async function uploadObject(ctx: GatewayContext, path: string) {
	const [bucketId, key] = bucketAndKey(path);
	const method = ctx.req.method;
	const caller = authenticate(ctx);
	const upsert = method === 'POST' && header(ctx, 'x-upsert') === 'true';
	const result = await writeObject(
		ctx,
		bucketId,
		key,
		method === 'PUT' ? 'update' : 'create',
		caller,
		upsert
	);
	sendJson(ctx.res, 200, result);
}

/** DELETE `/object/<bucket>` (body `prefixes`) or `/object/<bucket>/<key>`. */
export function deleteObjects(ctx: GatewayContext, path: string) {
	const [bucketId, key] = bucketAndKey(path);
	return key === '' ? removeObjects(ctx, bucketId) : deleteObject(ctx, bucketId, key);
}
