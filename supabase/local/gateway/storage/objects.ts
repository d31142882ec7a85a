/**
 * Reading objects: downloads (authenticated, public, ranges, `?download`), info and listing. Rows
 * are read as the caller (RLS decides visibility); public and signed reads as the service.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { storagePool } from '../core/db.ts';
import { header, sendJson, type GatewayContext } from '../core/http.ts';
import { ERR, StorageError } from './errors.ts';
import { asCaller, authenticate } from './auth.ts';
import type { Caller } from './auth.ts';
import { readJson } from './bodies.ts';
import { findBucket } from './buckets.ts';
import { bucketAndKey, checkBucketName, checkKey, objectFile } from './files.ts';

export interface ObjectMetadata {
	eTag?: string;
	size?: number;
	mimetype?: string;
	cacheControl?: string;
	lastModified?: string;
	contentLength?: number;
	httpStatusCode?: number;
}

interface FoundObject {
	id: string;
	name: string;
	bucket_id: string;
	version: string | null;
	metadata: ObjectMetadata | null;
	user_metadata: unknown;
	updated_at: string;
	created_at: string;
}

const OBJECT_SELECT = `select (to_jsonb(o) - 'path_tokens') as row
	  from storage.objects o where o.bucket_id = $1 and o.name = $2`;

export async function findObjectAs(
	ctx: GatewayContext,
	caller: Caller,
	bucketId: string,
	name: string,
	operation: string
): Promise<FoundObject> {
	const row = await asCaller(ctx, caller, operation, async (db) => {
		const r = await db.query(OBJECT_SELECT, [bucketId, name]);
		return r.rows[0]?.row as FoundObject | undefined;
	});
	if (!row) throw ERR.noSuchKey();
	return row;
}

export async function findObjectAsService(bucketId: string, name: string): Promise<FoundObject> {
	const r = await storagePool.query(OBJECT_SELECT, [bucketId, name]);
	if (!r.rows[0]) throw ERR.noSuchKey();
	return r.rows[0].row as FoundObject;
}

function contentDisposition(download: string | null): string | null {
	if (download === null) return null;
	if (download === '') return 'attachment;';
	const enc = encodeURIComponent(download);
	return `attachment; filename=${enc}; filename*=UTF-8''${enc};`;
}

export async function sendObject(
	ctx: GatewayContext,
	obj: FoundObject,
	opts: { expires?: string } = {}
) {
	const file = objectFile(obj.bucket_id, obj.name);
	let size: number;
	try {
		const st = await stat(file);
		if (!st.isFile()) throw ERR.noSuchKey();
		size = st.size;
	} catch (err) {
		if (err instanceof StorageError) throw err;
		throw ERR.noSuchKey();
	}
	const meta = obj.metadata ?? {};
	let mimetype = meta.mimetype ?? 'application/octet-stream';
	if (mimetype.includes('text/html')) mimetype = 'text/plain';
	const headers: Record<string, string> = {
		'Accept-Ranges': 'bytes',
		'Content-Type': mimetype,
		'Last-Modified': new Date(meta.lastModified ?? obj.updated_at).toUTCString()
	};
	if (meta.eTag) headers.ETag = meta.eTag;
	if (opts.expires) headers.Expires = opts.expires;
	else headers['Cache-Control'] = meta.cacheControl ?? 'no-cache';
	const disposition = contentDisposition(ctx.url.searchParams.get('download'));
	if (disposition) headers['Content-Disposition'] = disposition;

	const inm = header(ctx, 'if-none-match');
	if (inm && meta.eTag && inm === meta.eTag) {
		ctx.res.writeHead(304, headers);
		ctx.res.end();
		return;
	}
	let start = 0;
	let end = size - 1;
	let status = 200;
	const range = header(ctx, 'range');
	if (range) {
		const m = /^bytes=(\d*)-(\d*)$/.exec(range.trim());
		if (!m || (m[1] === '' && m[2] === ''))
			throw new StorageError('400', 'InvalidRange', 'invalid range provided', 'invalid_range');
		if (m[1] === '') {
			start = Math.max(0, size - Number(m[2]));
		} else {
			start = Number(m[1]);
			if (m[2] !== '') end = Math.min(end, Number(m[2]));
		}
		if (start > end || start >= size) {
			ctx.res.writeHead(416, { 'Content-Range': `bytes */${size}` });
			ctx.res.end();
			return;
		}
		status = 206;
		headers['Content-Range'] = `bytes ${start}-${end}/${size}`;
	}
	headers['Content-Length'] = String(size === 0 ? 0 : end - start + 1);
	ctx.res.writeHead(status, headers);
	if (ctx.req.method === 'HEAD' || size === 0) {
		ctx.res.end();
		return;
	}
	const stream = createReadStream(file, { start, end });
	stream.on('error', () => ctx.res.destroy());
	stream.pipe(ctx.res);
}

function infoBody(obj: FoundObject) {
	const meta = obj.metadata ?? {};
	return {
		id: obj.id,
		name: obj.name,
		version: obj.version,
		bucket_id: obj.bucket_id,
		size: meta.size ?? null,
		content_type: meta.mimetype ?? null,
		cache_control: meta.cacheControl ?? null,
		etag: meta.eTag ?? null,
		metadata: obj.user_metadata ?? null,
		last_modified: obj.updated_at,
		created_at: obj.created_at
	};
}

export async function listObjects(ctx: GatewayContext, bucketId: string) {
	const caller = authenticate(ctx);
	checkBucketName(bucketId);
	const body = await readJson(ctx);
	let prefix = typeof body.prefix === 'string' ? body.prefix : '';
	if (prefix.length > 0 && !prefix.endsWith('/')) prefix = `${prefix}/`;
	const limit = Number.isInteger(body.limit) ? Math.max(0, body.limit as number) : 100;
	const offset = Number.isInteger(body.offset) ? Math.max(0, body.offset as number) : 0;
	const search = typeof body.search === 'string' ? body.search : '';
	const sortBy = (body.sortBy ?? {}) as { column?: unknown; order?: unknown };
	const column = ['name', 'updated_at', 'created_at', 'last_accessed_at'].includes(
		sortBy.column as string
	)
		? (sortBy.column as string)
		: 'name';
	const order = String(sortBy.order ?? 'asc').toLowerCase() === 'desc' ? 'desc' : 'asc';
	const likeSearch = search.replace(/[\\%_]/g, (c) => `\\${c}`);
	// Column and direction come from the fixed lists above, never from the client's text.
	const orderBy = `ord, case when ord = 0 then name end ${order}, ${column} ${order}, name ${order}`;
	const list = await asCaller(ctx, caller, 'storage.object.list', async (db) => {
		const r = await db.query(
			`with items as (
			   select split_part(substr(o.name, length($1) + 1), '/', 1) as item,
			          strpos(substr(o.name, length($1) + 1), '/') > 0 as is_folder,
			          o.id, o.updated_at, o.created_at, o.last_accessed_at, o.metadata
			     from storage.objects o
			    where o.bucket_id = $2 and left(o.name, length($1)) = $1
			 ), listed as (
			   select 0 as ord, item as name, null::uuid as id, null::timestamptz as updated_at,
			          null::timestamptz as created_at, null::timestamptz as last_accessed_at,
			          null::jsonb as metadata
			     from items where is_folder and item <> '' and item ilike $3 || '%' group by item
			   union all
			   select 1, item, id, updated_at, created_at, last_accessed_at, metadata
			     from items where not is_folder and item <> '' and item ilike $3 || '%'
			 ), page as (
			   select * from listed order by ${orderBy} limit $4 offset $5
			 )
			 select coalesce(json_agg(json_build_object('name', name, 'id', id,
			          'updated_at', updated_at, 'created_at', created_at,
			          'last_accessed_at', last_accessed_at, 'metadata', metadata)
			          order by ${orderBy}), '[]'::json) as list
			   from page`,
			[prefix, bucketId, likeSearch, limit, offset]
		);
		return r.rows[0].list;
	});
	sendJson(ctx.res, 200, list);
}

/** GET/HEAD `/object/public/<bucket>/<key>`: any object of a public bucket, no credentials. */
export async function getPublicObject(ctx: GatewayContext, path: string) {
	const [bucketId, key] = bucketAndKey(path);
	checkBucketName(bucketId);
	const bucket = await findBucket(bucketId);
	if (!bucket || !bucket.public) throw ERR.noSuchBucket();
	checkKey(key);
	return sendObject(ctx, await findObjectAsService(bucketId, key));
}

/** GET `/object/info/[public/|authenticated/]<bucket>/<key>`. */
export async function getObjectInfo(ctx: GatewayContext, scope: string, path: string) {
	const [bucketId, key] = bucketAndKey(path);
	checkBucketName(bucketId);
	checkKey(key);
	let obj: FoundObject;
	if (scope === 'public/') {
		const bucket = await findBucket(bucketId);
		if (!bucket || !bucket.public) throw ERR.noSuchBucket();
		obj = await findObjectAsService(bucketId, key);
	} else {
		obj = await findObjectAs(
			ctx,
			authenticate(ctx),
			bucketId,
			key,
			'storage.object.info_authenticated'
		);
	}
	sendJson(ctx.res, 200, infoBody(obj), { 'Cache-Control': 'no-cache' });
}

/** GET/HEAD `/object/[authenticated/]<bucket>/<key>`: a download as the caller. */
export async function getObject(ctx: GatewayContext, path: string) {
	const [bucketId, key] = bucketAndKey(path);
	const caller = authenticate(ctx);
	checkBucketName(bucketId);
	checkKey(key);
	const obj = await findObjectAs(ctx, caller, bucketId, key, 'storage.object.get_authenticated');
	return sendObject(ctx, obj);
}
