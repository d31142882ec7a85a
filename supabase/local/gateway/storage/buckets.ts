/** Buckets (`/bucket…`): create, list, get, update, empty, delete, each as the caller. */
import { rm } from 'node:fs/promises';
import { storagePool } from '../core/db.ts';
import { sendJson, type GatewayContext } from '../core/http.ts';
import { ERR, fromPgError, StorageError } from './errors.ts';
import { asCaller, authenticate, ownerOf } from './auth.ts';
import { readJson } from './bodies.ts';
import { bucketDir, checkBucketName, removeFiles } from './files.ts';

export interface Bucket {
	id: string;
	public: boolean;
	fileSizeLimit: number | null;
	allowedMimeTypes: string[] | null;
}

export async function findBucket(id: string): Promise<Bucket | null> {
	const { rows } = await storagePool.query(
		'select id, public, file_size_limit, allowed_mime_types from storage.buckets where id = $1',
		[id]
	);
	if (!rows[0]) return null;
	return {
		id: rows[0].id,
		public: rows[0].public === true,
		fileSizeLimit: rows[0].file_size_limit === null ? null : Number(rows[0].file_size_limit),
		allowedMimeTypes: rows[0].allowed_mime_types
	};
}

const BUCKET_COLUMNS =
	'id, name, owner, public, file_size_limit, allowed_mime_types, created_at, updated_at';

function parseFileSizeLimit(v: unknown): number | null {
	if (v === undefined || v === null) return null;
	if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return v;
	if (typeof v === 'string') {
		const m = /^(\d+(?:\.\d+)?)(b|kb|mb|gb)$/i.exec(v);
		if (m) {
			const mult = { b: 1, kb: 1000, mb: 1000 ** 2, gb: 1000 ** 3 }[m[2].toLowerCase() as 'b'];
			return Math.floor(Number(m[1]) * mult);
		}
	}
	throw ERR.invalidRequest('Invalid file size format, hint: use 20GB / 20MB / 30KB / 3B');
}

function parseMimeTypes(v: unknown): string[] | null {
	if (v === undefined || v === null) return null;
	if (!Array.isArray(v) || !v.every((m) => typeof m === 'string' && /^[^/\s]+\/[^/\s]+$/.test(m)))
		throw ERR.invalidRequest('body/allowed_mime_types must be an array of mime types');
	return v as string[];
}

function bucketError(err: unknown): unknown {
	return err instanceof StorageError ? err : (fromPgError(err, 'bucket') ?? err);
}

export async function createBucket(ctx: GatewayContext) {
	const caller = authenticate(ctx);
	const body = await readJson(ctx);
	const id = checkBucketName(body.id ?? body.name);
	const name = body.name === undefined ? id : checkBucketName(body.name);
	const fileSizeLimit = parseFileSizeLimit(body.file_size_limit);
	const mimeTypes = parseMimeTypes(body.allowed_mime_types);
	const { owner, ownerId } = ownerOf(caller);
	try {
		await asCaller(ctx, caller, 'storage.bucket.create', (db) =>
			db.query(
				`insert into storage.buckets
				   (id, name, owner, owner_id, public, file_size_limit, allowed_mime_types)
				 values ($1, $2, $3, $4, $5, $6, $7)`,
				[id, name, owner, ownerId, body.public === true, fileSizeLimit, mimeTypes]
			)
		);
	} catch (err) {
		throw bucketError(err);
	}
	sendJson(ctx.res, 200, { name: id });
}

export async function listBuckets(ctx: GatewayContext) {
	const caller = authenticate(ctx);
	const q = ctx.url.searchParams;
	const column = ['id', 'name', 'created_at', 'updated_at'].includes(q.get('sortColumn') ?? '')
		? (q.get('sortColumn') as string)
		: 'name';
	const order = q.get('sortOrder')?.toLowerCase() === 'desc' ? 'desc' : 'asc';
	const limit = q.has('limit') ? Number(q.get('limit')) : null;
	const offset = q.has('offset') ? Number(q.get('offset')) : 0;
	if (
		(limit !== null && !(Number.isInteger(limit) && limit >= 0)) ||
		!(Number.isInteger(offset) && offset >= 0)
	)
		throw ERR.invalidRequest('limit and offset must be non-negative integers');
	const search = (q.get('search') ?? '').replace(/[\\%_]/g, (c) => `\\${c}`);
	const rows = await asCaller(ctx, caller, 'storage.bucket.list', async (db) => {
		const r = await db.query(
			`select coalesce(json_agg(b order by ${column} ${order}), '[]'::json) as list
			   from (select ${BUCKET_COLUMNS} from storage.buckets
			          where name ilike '%' || $1 || '%'
			          order by ${column} ${order} limit $2 offset $3) b`,
			[search, limit, offset]
		);
		return r.rows[0].list;
	});
	sendJson(ctx.res, 200, rows);
}

export async function getBucket(ctx: GatewayContext, id: string) {
	const caller = authenticate(ctx);
	checkBucketName(id);
	const row = await asCaller(ctx, caller, 'storage.bucket.get', async (db) => {
		const r = await db.query(
			`select row_to_json(b) as bucket from (select ${BUCKET_COLUMNS} from storage.buckets
			  where id = $1) b`,
			[id]
		);
		return r.rows[0]?.bucket;
	});
	if (!row) throw ERR.noSuchBucket();
	sendJson(ctx.res, 200, row);
}

export async function updateBucket(ctx: GatewayContext, id: string) {
	const caller = authenticate(ctx);
	checkBucketName(id);
	const body = await readJson(ctx);
	const hasLimit = 'file_size_limit' in body;
	const hasMimes = 'allowed_mime_types' in body;
	const fileSizeLimit = parseFileSizeLimit(body.file_size_limit);
	const mimeTypes = parseMimeTypes(body.allowed_mime_types);
	const isPublic = typeof body.public === 'boolean' ? body.public : null;
	let count: number;
	try {
		count = await asCaller(ctx, caller, 'storage.bucket.update', async (db) => {
			const r = await db.query(
				`update storage.buckets
				    set public = coalesce($2::boolean, public),
				        file_size_limit = case when $3 then $4::bigint else file_size_limit end,
				        allowed_mime_types = case when $5 then $6::text[] else allowed_mime_types end,
				        updated_at = now()
				  where id = $1`,
				[id, isPublic, hasLimit, fileSizeLimit, hasMimes, mimeTypes]
			);
			return r.rowCount ?? 0;
		});
	} catch (err) {
		throw bucketError(err);
	}
	if (count === 0) throw ERR.noSuchBucket();
	sendJson(ctx.res, 200, { message: 'Successfully updated' });
}

export async function emptyBucket(ctx: GatewayContext, id: string) {
	const caller = authenticate(ctx);
	checkBucketName(id);
	await readJson(ctx);
	const names = await asCaller(ctx, caller, 'storage.bucket.empty', async (db) => {
		const b = await db.query('select 1 from storage.buckets where id = $1', [id]);
		if (!b.rows[0]) throw ERR.noSuchBucket();
		const r = await db.query('delete from storage.objects where bucket_id = $1 returning name', [
			id
		]);
		return r.rows.map((x) => x.name as string);
	});
	await removeFiles(id, names);
	sendJson(ctx.res, 200, {
		message: 'Empty bucket has been queued. Completion may take up to an hour.'
	});
}

export async function deleteBucket(ctx: GatewayContext, id: string) {
	const caller = authenticate(ctx);
	checkBucketName(id);
	await readJson(ctx);
	let count: number;
	try {
		count = await asCaller(ctx, caller, 'storage.bucket.delete', async (db) => {
			const r = await db.query('delete from storage.buckets where id = $1', [id]);
			return r.rowCount ?? 0;
		});
	} catch (err) {
		throw bucketError(err);
	}
	if (count === 0) throw ERR.noSuchBucket();
	await rm(bucketDir(id), { recursive: true, force: true });
	sendJson(ctx.res, 200, { message: 'Successfully deleted' });
}
