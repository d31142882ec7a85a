/**
 * Storage API stand-in (`/storage/v1`, SUPABASE_CONTRACTS.md 5): buckets and objects in the
 * `storage` schema, bytes under STORAGE_DIR/<bucket>/<name>. Every statement that storage policies
 * decide runs on the authenticator pool in a transaction as the caller's JWT role with the request
 * settings of 5.2, so RLS on storage.objects / storage.buckets decides like on hosted Supabase.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, resolve, sep } from 'node:path';
import type { PoolClient } from 'pg';
import { STORAGE_DIR } from '../config.ts';
import { authenticatorPool, storagePool } from './db.ts';
import { BodyTooLarge, readBody, sendJson, type GatewayContext } from './http.ts';
import { JwtError, signLegacy, verifyJwt, type Claims } from './jwt.ts';
import { ERR, fromPgError, sendStorageError, StorageError } from './storage-errors.ts';
import { MultipartError, multipartBoundary, parseMultipart } from './storage-multipart.ts';

const GLOBAL_FILE_SIZE_LIMIT = Number(
	process.env.SUPABASE_STORAGE_FILE_SIZE_LIMIT ?? 50 * 1024 * 1024
);
const STORAGE_ROOT = resolve(STORAGE_DIR);
const TMP_DIR = resolve(STORAGE_DIR, '..', 'storage-tmp');
const SIGNED_UPLOAD_TTL = 2 * 3600;
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ROLES = new Set(['anon', 'authenticated', 'service_role']);

type Role = 'anon' | 'authenticated' | 'service_role';

interface Caller {
	role: Role;
	claims: Claims;
	jwt: string;
}

interface Bucket {
	id: string;
	public: boolean;
	fileSizeLimit: number | null;
	allowedMimeTypes: string[] | null;
}

interface ObjectMetadata {
	eTag?: string;
	size?: number;
	mimetype?: string;
	cacheControl?: string;
	lastModified?: string;
	contentLength?: number;
	httpStatusCode?: number;
}

// ---------------------------------------------------------------------------------------------
// Auth and per-request transaction (5.2)

function authenticate(ctx: GatewayContext): Caller {
	if (!ctx.bearer) throw ERR.accessDenied('Missing authorization header');
	let claims: Claims;
	try {
		claims = verifyJwt(ctx.bearer);
	} catch (err) {
		throw ERR.accessDenied(err instanceof Error ? err.message : 'Invalid JWT');
	}
	const role = typeof claims.role === 'string' ? claims.role : '';
	if (!ROLES.has(role)) throw ERR.accessDenied(`role "${role}" is not allowed`);
	return { role: role as Role, claims, jwt: ctx.bearer };
}

/** The Storage service acting on its own (signed upload URLs): service_role with the token's owner. */
function serviceCaller(owner: string | null): Caller {
	const claims: Claims = { role: 'service_role' };
	if (owner) claims.sub = owner;
	return { role: 'service_role', claims, jwt: '' };
}

/**
 * One transaction as the caller with the settings Storage's request scope sets, including
 * storage.allow_delete_query (its protect_delete trigger refuses deletes without it).
 */
async function asCaller<T>(
	ctx: GatewayContext,
	caller: Caller,
	operation: string,
	fn: (db: PoolClient) => Promise<T>
): Promise<T> {
	const db = await authenticatorPool.connect();
	let broken = false;
	try {
		await db.query('begin');
		await db.query(
			`select set_config('role', $1, true),
			        set_config('request.jwt.claim.role', $1, true),
			        set_config('request.jwt', $2, true),
			        set_config('request.jwt.claims', $3, true),
			        set_config('request.jwt.claim.sub', $4, true),
			        set_config('request.headers', $5, true),
			        set_config('request.method', $6, true),
			        set_config('request.path', $7, true),
			        set_config('storage.operation', $8, true),
			        set_config('storage.allow_delete_query', 'true', true)`,
			[
				caller.role,
				caller.jwt,
				JSON.stringify({ ...caller.claims, role: caller.role }),
				typeof caller.claims.sub === 'string' ? caller.claims.sub : '',
				JSON.stringify(ctx.req.headers),
				ctx.req.method ?? 'GET',
				ctx.url.pathname,
				operation
			]
		);
		const out = await fn(db);
		await db.query('commit');
		return out;
	} catch (err) {
		await db.query('rollback').catch(() => {
			broken = true;
		});
		throw err;
	} finally {
		db.release(broken);
	}
}

async function findBucket(id: string): Promise<Bucket | null> {
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

// ---------------------------------------------------------------------------------------------
// Names and files

const BUCKET_NAME_RE = /^(\w|!|-|\.|\*|'|\(|\)| |&|\$|@|=|;|:|\+|,|\?)+$/;

function checkBucketName(name: unknown): string {
	if (
		typeof name !== 'string' ||
		name.length === 0 ||
		name.length > 63 ||
		!BUCKET_NAME_RE.test(name) ||
		name === '.' ||
		name === '..'
	)
		throw ERR.invalidBucketName();
	return name;
}

/** Storage's S3-safe key characters (ST:src/storage/limits.ts isValidKey). */
const KEY_RE = /^(\w|\/|!|-|\.|\*|'|\(|\)| |&|\$|@|=|;|:|\+|,|\?)+$/;

/**
 * Object keys: Storage's character set, and for the local files no absolute keys, empty
 * segments or dot segments (which also rules out control characters and backslashes).
 */
function checkKey(key: unknown): string {
	if (typeof key !== 'string') throw ERR.invalidKey(String(key));
	if (
		key.length === 0 ||
		key.length > 1024 ||
		!KEY_RE.test(key) ||
		key.split('/').some((s) => s === '.' || s === '..' || s === '')
	)
		throw ERR.invalidKey(key);
	return key;
}

function bucketDir(bucket: string): string {
	const dir = resolve(STORAGE_ROOT, bucket);
	if (dirname(dir) !== STORAGE_ROOT) throw ERR.invalidBucketName();
	return dir;
}

function objectFile(bucket: string, name: string): string {
	const dir = bucketDir(bucket);
	const file = resolve(dir, name);
	if (!file.startsWith(dir + sep)) throw ERR.invalidKey(name);
	return file;
}

function fsError(err: unknown, name: string): StorageError | null {
	const code = (err as { code?: string })?.code;
	if (code === 'ENOTDIR' || code === 'EISDIR' || code === 'EEXIST')
		return new StorageError(
			'409',
			'KeyAlreadyExists',
			`Invalid key: ${name} collides with an existing folder or object in local storage`,
			'Duplicate'
		);
	return null;
}

async function placeFile(tmp: string, bucket: string, name: string) {
	const target = objectFile(bucket, name);
	try {
		await mkdir(dirname(target), { recursive: true });
		await rename(tmp, target);
	} catch (err) {
		throw fsError(err, name) ?? err;
	}
}

async function removeFiles(bucket: string, names: string[]) {
	for (const name of names) {
		try {
			await rm(objectFile(bucket, name), { force: true });
		} catch {
			/* a file that was never written or already gone */
		}
	}
}

/** Path segments after a route prefix, percent-decoded; null when the encoding is broken. */
function decodeSegments(path: string): string[] | null {
	try {
		return path.split('/').map((s) => decodeURIComponent(s));
	} catch {
		return null;
	}
}

// ---------------------------------------------------------------------------------------------
// Request bodies

async function readJson(ctx: GatewayContext): Promise<Record<string, unknown>> {
	let raw: Buffer;
	try {
		raw = await readBody(ctx.req, 1024 * 1024);
	} catch (err) {
		if (err instanceof BodyTooLarge) throw ERR.entityTooLarge();
		throw err;
	}
	if (raw.length === 0) return {};
	try {
		const body = JSON.parse(raw.toString('utf8'));
		if (!body || typeof body !== 'object' || Array.isArray(body)) throw new Error('not an object');
		return body as Record<string, unknown>;
	} catch {
		throw ERR.invalidRequest('Body is not valid JSON');
	}
}

function header(ctx: GatewayContext, name: string): string | undefined {
	const v = ctx.req.headers[name];
	return Array.isArray(v) ? v[0] : v;
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

async function readUpload(ctx: GatewayContext, limit: number): Promise<UploadInput> {
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

/** 5.3: allowed entries match on equal type and equal subtype or `*`. */
function checkMimeType(bucket: Bucket, mimetype: string) {
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

function ownerOf(caller: Caller): { owner: string | null; ownerId: string | null } {
	const sub = typeof caller.claims.sub === 'string' && caller.claims.sub ? caller.claims.sub : null;
	return { owner: sub && UUID_RE.test(sub) ? sub : null, ownerId: sub };
}

// ---------------------------------------------------------------------------------------------
// Object writes

async function writeObject(
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

// ---------------------------------------------------------------------------------------------
// Object reads

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

async function findObjectAs(
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

async function findObjectAsService(bucketId: string, name: string): Promise<FoundObject> {
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

async function sendObject(ctx: GatewayContext, obj: FoundObject, opts: { expires?: string } = {}) {
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

// ---------------------------------------------------------------------------------------------
// Signed URLs

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

// ---------------------------------------------------------------------------------------------
// Route handlers

async function listObjects(ctx: GatewayContext, bucketId: string) {
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

async function moveOrCopy(ctx: GatewayContext, kind: 'move' | 'copy') {
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
			const from = objectFile(srcBucket, srcKey);
			const to = objectFile(dstBucket, dstKey);
			try {
				await mkdir(dirname(to), { recursive: true });
				await rename(from, to);
			} catch (err) {
				throw fsError(err, dstKey) ?? err;
			}
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
		const to = objectFile(dstBucket, dstKey);
		try {
			await mkdir(dirname(to), { recursive: true });
			await copyFile(objectFile(srcBucket, srcKey), to);
		} catch (err) {
			if ((err as { code?: string }).code === 'ENOENT') throw ERR.noSuchKey();
			throw fsError(err, dstKey) ?? err;
		}
		return newId;
	});
	sendJson(ctx.res, 200, { Id: id, Key: `${dstBucket}/${dstKey}` });
}

async function signObject(ctx: GatewayContext, bucketId: string, name: string) {
	const caller = authenticate(ctx);
	checkBucketName(bucketId);
	checkKey(name);
	const body = await readJson(ctx);
	const seconds = expiresIn(body);
	await findObjectAs(ctx, caller, bucketId, name, 'storage.object.sign');
	const url = `${bucketId}/${name}`;
	sendJson(ctx.res, 200, { signedURL: `/object/sign/${url}?token=${signUrl(url, seconds)}` });
}

async function signObjects(ctx: GatewayContext, bucketId: string) {
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

async function getSigned(ctx: GatewayContext, bucketId: string, name: string) {
	const payload = verifySignedToken(ctx, `${bucketId}/${name}`);
	checkBucketName(bucketId);
	checkKey(name);
	const obj = await findObjectAsService(bucketId, name);
	await sendObject(ctx, obj, { expires: new Date((payload.exp as number) * 1000).toUTCString() });
}

async function createSignedUpload(ctx: GatewayContext, bucketId: string, name: string) {
	const caller = authenticate(ctx);
	checkBucketName(bucketId);
	checkKey(name);
	await readJson(ctx);
	const bucket = await findBucket(bucketId);
	if (!bucket) throw ERR.noSuchBucket();
	const upsert = header(ctx, 'x-upsert') === 'true';
	const { owner, ownerId } = ownerOf(caller);
	// Test the INSERT (or upsert) policy now, then roll the probe back.
	const probe = new StorageError('200', 'Probe', 'probe');
	try {
		await asCaller(ctx, caller, 'storage.object.sign_upload_url', async (db) => {
			await db.query(
				`insert into storage.objects (bucket_id, name, owner, owner_id, metadata, version)
				 values ($1, $2, $3, $4, '{}', $5)
				 ${upsert ? 'on conflict (bucket_id, name) do update set updated_at = now()' : ''}`,
				[bucketId, name, owner, ownerId, randomUUID()]
			);
			throw probe;
		});
	} catch (err) {
		if (err !== probe) throw err;
	}
	const iat = Math.floor(Date.now() / 1000);
	const url = `${bucketId}/${name}`;
	const token = signLegacy({ owner: ownerId, url, upsert, iat, exp: iat + SIGNED_UPLOAD_TTL });
	sendJson(ctx.res, 200, { url: `/object/upload/sign/${url}?token=${token}`, token });
}

async function uploadSigned(ctx: GatewayContext, bucketId: string, name: string) {
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

// Buckets ---------------------------------------------------------------------------------------

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

async function createBucket(ctx: GatewayContext) {
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

async function listBuckets(ctx: GatewayContext) {
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

async function getBucket(ctx: GatewayContext, id: string) {
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

async function updateBucket(ctx: GatewayContext, id: string) {
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

async function emptyBucket(ctx: GatewayContext, id: string) {
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

async function deleteBucket(ctx: GatewayContext, id: string) {
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

// ---------------------------------------------------------------------------------------------
// Router

/** `/<bucket>/<key…>` below a route prefix → [bucket, key]; key '' when absent. */
function bucketAndKey(rest: string): [string, string] {
	const segs = decodeSegments(rest);
	if (!segs) throw ERR.invalidKey(rest);
	const [bucket = '', ...key] = segs;
	return [bucket, key.join('/')];
}

async function route(ctx: GatewayContext): Promise<void> {
	const method = ctx.req.method ?? 'GET';
	const path = ctx.path;
	const read = method === 'GET' || method === 'HEAD';

	if (path === '/bucket' || path === '/bucket/') {
		if (read) return listBuckets(ctx);
		if (method === 'POST') return createBucket(ctx);
	}
	let m = /^\/bucket\/([^/]+)(\/empty)?\/?$/.exec(path);
	if (m) {
		const segs = decodeSegments(m[1]);
		if (!segs) throw ERR.invalidBucketName();
		const id = segs[0];
		if (m[2]) {
			if (method === 'POST') return emptyBucket(ctx, id);
		} else if (read) return getBucket(ctx, id);
		else if (method === 'PUT') return updateBucket(ctx, id);
		else if (method === 'DELETE') return deleteBucket(ctx, id);
	}

	if (method === 'POST' && path === '/object/move') return moveOrCopy(ctx, 'move');
	if (method === 'POST' && path === '/object/copy') return moveOrCopy(ctx, 'copy');

	m = /^\/object\/list\/([^/]+)\/?$/.exec(path);
	if (m && method === 'POST') return listObjects(ctx, bucketAndKey(m[1])[0]);

	m = /^\/object\/upload\/sign\/(.+)$/.exec(path);
	if (m) {
		const [bucket, key] = bucketAndKey(m[1]);
		if (method === 'POST') return createSignedUpload(ctx, bucket, key);
		if (method === 'PUT') return uploadSigned(ctx, bucket, key);
	}

	m = /^\/object\/sign\/(.+)$/.exec(path);
	if (m) {
		const [bucket, key] = bucketAndKey(m[1]);
		if (method === 'POST')
			return key === '' ? signObjects(ctx, bucket) : signObject(ctx, bucket, key);
		if (read) return getSigned(ctx, bucket, key);
	}

	m = /^\/object\/public\/(.+)$/.exec(path);
	if (m && read) {
		const [bucketId, key] = bucketAndKey(m[1]);
		checkBucketName(bucketId);
		const bucket = await findBucket(bucketId);
		if (!bucket || !bucket.public) throw ERR.noSuchBucket();
		checkKey(key);
		return sendObject(ctx, await findObjectAsService(bucketId, key));
	}

	m = /^\/object\/info\/(public\/|authenticated\/)?(.+)$/.exec(path);
	if (m && method === 'GET') {
		const [bucketId, key] = bucketAndKey(m[2]);
		checkBucketName(bucketId);
		checkKey(key);
		let obj: FoundObject;
		if (m[1] === 'public/') {
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
		return;
	}

	m = /^\/object\/(authenticated\/)?(.+)$/.exec(path);
	if (m) {
		const [bucketId, key] = bucketAndKey(m[2]);
		if (read) {
			const caller = authenticate(ctx);
			checkBucketName(bucketId);
			checkKey(key);
			const obj = await findObjectAs(
				ctx,
				caller,
				bucketId,
				key,
				'storage.object.get_authenticated'
			);
			return sendObject(ctx, obj);
		}
		if (!m[1]) {
			if (method === 'DELETE')
				return key === '' ? removeObjects(ctx, bucketId) : deleteObject(ctx, bucketId, key);
			if (method === 'POST' || method === 'PUT') {
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
				return;
			}
		}
	}

	if (path === '/health' || path === '/status') {
		sendJson(ctx.res, 200, { name: 'Storage', description: 'local runtime' });
		return;
	}
	sendJson(ctx.res, 404, {
		statusCode: 404,
		error: 'Not Found',
		message: `Route ${method}:/storage/v1${path} not found`
	});
}

export async function handleStorage(ctx: GatewayContext): Promise<void> {
	try {
		await route(ctx);
	} catch (err) {
		const mapped = err instanceof StorageError ? err : (fromPgError(err, 'object') ?? null);
		if (!mapped) {
			console.error('[storage] unexpected error', err);
			if (ctx.res.headersSent) {
				ctx.res.destroy();
				return;
			}
			sendStorageError(ctx.res, ERR.internal());
			return;
		}
		if (ctx.res.headersSent) {
			ctx.res.destroy();
			return;
		}
		sendStorageError(ctx.res, mapped);
	}
}
