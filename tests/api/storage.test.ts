/**
 * The local Storage API through the official storage-js client (and plain fetch for URL-level
 * cases) against the real database and files: docs/local-runtime.md, "Storage".
 */
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import type pg from 'pg';
import { STORAGE_DIR } from '../../supabase/local/config.ts';
import { adminDb, anonClient, API_URL, keys, mintToken, serviceClient } from '../support/stack.ts';

const STORAGE = `${API_URL}/storage/v1`;
const run = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;
const PRIVATE = `st-priv-${run}`;
const PUBLIC = `st-pub-${run}`;
const LIMITED = `st-lim-${run}`;
const CRUD = `st-crud-${run}`;
const DROPBOX = `st-drop-${run}`;
const ORGS = `st-org-${run}`;
const policyNames = ['sel', 'ins', 'upd', 'del', 'dropins', 'orgsel', 'orgins'].map(
	(p) => `st_test_${p}_${run.replace(/-/g, '_')}`
);

const service = serviceClient();
let db: pg.Client;

const userA = randomUUID();
const userB = randomUUID();
const tokenA = mintToken({ sub: userA });
const tokenB = mintToken({ sub: userB });

function clientWithToken(token: string): SupabaseClient {
	return createClient(API_URL, keys.publishableKey, {
		auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
		global: { headers: { Authorization: `Bearer ${token}` } }
	});
}
const asA = clientWithToken(tokenA);
const asB = clientWithToken(tokenB);

function bytes(text: string): Buffer {
	return Buffer.from(text, 'utf8');
}

function md5(data: Buffer): string {
	return `"${createHash('md5').update(data).digest('hex')}"`;
}

/** The storage-js error fields of F6: HTTP 400, logical statusCode and code from the body. */
function apiError(error: unknown) {
	const e = error as { status?: number; statusCode?: string; code?: string; message?: string };
	return { status: e?.status, statusCode: e?.statusCode, code: e?.code };
}

/** How supabase-js shows a Storage refusal: HTTP 400 with Storage's own statusCode and code. */
function refusal(statusCode: string, code: string) {
	return { status: 400, statusCode, code };
}

async function objectRow(bucket: string, name: string) {
	const r = await db.query(
		'select id, owner, owner_id, metadata, user_metadata from storage.objects where bucket_id = $1 and name = $2',
		[bucket, name]
	);
	return r.rows[0] ?? null;
}

beforeAll(async () => {
	db = adminDb();
	await db.connect();
	const buckets: [string, Parameters<typeof service.storage.createBucket>[1]][] = [
		[PRIVATE, { public: false }],
		[PUBLIC, { public: true }],
		[LIMITED, { public: false, fileSizeLimit: 16, allowedMimeTypes: ['image/*', 'text/plain'] }],
		[DROPBOX, { public: false }],
		[ORGS, { public: false }]
	];
	for (const [id, opts] of buckets) {
		const { error } = await service.storage.createBucket(id, opts);
		if (error) throw error;
	}
	// Owner-folder policies (first path segment = auth.uid()) on the three test buckets.
	const folder = `(storage.foldername(name))[1] = auth.uid()::text`;
	const scope = `bucket_id in ('${PRIVATE}', '${LIMITED}', '${PUBLIC}') and ${folder}`;
	await db.query(
		`create policy "${policyNames[0]}" on storage.objects for select to authenticated using (${scope})`
	);
	await db.query(
		`create policy "${policyNames[1]}" on storage.objects for insert to authenticated with check (${scope})`
	);
	await db.query(
		`create policy "${policyNames[2]}" on storage.objects for update to authenticated using (${scope}) with check (${scope})`
	);
	await db.query(
		`create policy "${policyNames[3]}" on storage.objects for delete to authenticated using (${scope})`
	);
	// A drop box: INSERT only, no SELECT/UPDATE.
	await db.query(
		`create policy "${policyNames[4]}" on storage.objects for insert to authenticated with check (bucket_id = '${DROPBOX}')`
	);
	// The app's tenant pattern: first folder = the JWT's organization_id claim.
	const org = `bucket_id = '${ORGS}' and (storage.foldername(name))[1] = auth.jwt() ->> 'organization_id'`;
	await db.query(
		`create policy "${policyNames[5]}" on storage.objects for select to authenticated using (${org})`
	);
	await db.query(
		`create policy "${policyNames[6]}" on storage.objects for insert to authenticated with check (${org} and current_setting('storage.operation', true) = 'storage.object.upload')`
	);
});

afterAll(async () => {
	for (const name of policyNames)
		await db.query(`drop policy if exists "${name}" on storage.objects`);
	for (const id of [PRIVATE, PUBLIC, LIMITED, CRUD, DROPBOX, ORGS]) {
		await service.storage.emptyBucket(id);
		await service.storage.deleteBucket(id);
	}
	await db.end();
});

/** A's private object the tests of a block read (uploaded once, before them). */
async function uploadAsA(path: string, text: string) {
	const { error } = await asA.storage.from(PRIVATE).upload(path, bytes(text));
	if (error) throw error;
}

/** A gateway answer read with plain fetch: its HTTP status and the fields its JSON body has. */
async function expectAnswer(res: Response, status: number, body: Record<string, unknown>) {
	expect(res.status).toBe(status);
	expect(await res.json()).toMatchObject(body);
}

describe('upload and download', () => {
	it('uploads a binary body and serves the same bytes with the object headers', async () => {
		const path = `${userA}/notes/hello.txt`;
		const body = bytes('hello, storage');
		const { data, error } = await asA.storage
			.from(PRIVATE)
			.upload(path, body, { contentType: 'text/plain', cacheControl: '120' });
		expect(error).toBeNull();
		expect(data?.path).toBe(path);
		expect(data?.fullPath).toBe(`${PRIVATE}/${path}`);
		const row = await objectRow(PRIVATE, path);
		expect(row.id).toBe(data?.id);
		expect(row.owner).toBe(userA);
		expect(row.owner_id).toBe(userA);
		expect(row.metadata).toMatchObject({
			size: body.length,
			mimetype: 'text/plain',
			cacheControl: 'max-age=120',
			eTag: md5(body),
			contentLength: body.length,
			httpStatusCode: 200
		});
		expect(readFileSync(join(STORAGE_DIR, PRIVATE, path))).toEqual(body);

		const dl = await asA.storage.from(PRIVATE).download(path);
		expect(dl.error).toBeNull();
		expect(Buffer.from(await dl.data!.arrayBuffer())).toEqual(body);

		const res = await fetch(`${STORAGE}/object/authenticated/${PRIVATE}/${path}?download=hi.txt`, {
			headers: { apikey: keys.publishableKey, Authorization: `Bearer ${tokenA}` }
		});
		expect(res.status).toBe(200);
		expect(res.headers.get('content-type')).toBe('text/plain');
		expect(res.headers.get('cache-control')).toBe('max-age=120');
		expect(res.headers.get('etag')).toBe(md5(body));
		expect(res.headers.get('content-length')).toBe(String(body.length));
		expect(new Date(res.headers.get('last-modified')!).getTime()).toBeGreaterThan(
			Date.now() - 120_000
		);
		expect(res.headers.get('content-disposition')).toContain('attachment; filename=hi.txt');
		expect(Buffer.from(await res.arrayBuffer())).toEqual(body);
	});

	it('uploads a File as multipart/form-data with its type and user metadata', async () => {
		const path = `${userA}/pics/dot.png`;
		const body = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 1, 2, 255]);
		const file = new File([body], 'dot.png', { type: 'image/png' });
		const { data, error } = await asA.storage
			.from(PRIVATE)
			.upload(path, file, { metadata: { caption: 'a dot' } });
		expect(error).toBeNull();
		expect(data?.fullPath).toBe(`${PRIVATE}/${path}`);
		const row = await objectRow(PRIVATE, path);
		expect(row.metadata).toMatchObject({
			mimetype: 'image/png',
			size: body.length,
			cacheControl: 'max-age=3600'
		});
		expect(row.user_metadata).toEqual({ caption: 'a dot' });
		const dl = await asA.storage.from(PRIVATE).download(path);
		expect(dl.data?.type).toBe('image/png');
		expect(Buffer.from(await dl.data!.arrayBuffer())).toEqual(body);

		const info = await asA.storage.from(PRIVATE).info(path);
		expect(info.error).toBeNull();
		expect(info.data).toMatchObject({
			id: data?.id,
			name: path,
			bucketId: PRIVATE,
			size: body.length,
			contentType: 'image/png',
			etag: md5(body),
			metadata: { caption: 'a dot' }
		});
	});

	it('refuses a duplicate key with 409 KeyAlreadyExists and replaces it with upsert', async () => {
		const path = `${userA}/dup.txt`;
		const first = await asA.storage.from(PRIVATE).upload(path, bytes('one'));
		expect(first.error).toBeNull();
		const again = await asA.storage.from(PRIVATE).upload(path, bytes('two'));
		expect(apiError(again.error)).toEqual(refusal('409', 'KeyAlreadyExists'));
		const up = await asA.storage.from(PRIVATE).upload(path, bytes('three'), { upsert: true });
		expect(up.error).toBeNull();
		expect(up.data?.id).toBe(first.data?.id);
		const dl = await asA.storage.from(PRIVATE).download(path);
		expect(await dl.data!.text()).toBe('three');
	});

	it('update() replaces an existing object and reports NoSuchKey for a missing one', async () => {
		const path = `${userA}/upd.txt`;
		await asA.storage.from(PRIVATE).upload(path, bytes('before'));
		const upd = await asA.storage
			.from(PRIVATE)
			.update(path, bytes('after!'), { contentType: 'text/markdown' });
		expect(upd.error).toBeNull();
		const row = await objectRow(PRIVATE, path);
		expect(row.metadata).toMatchObject({ mimetype: 'text/markdown', size: 6 });
		expect(await (await asA.storage.from(PRIVATE).download(path)).data!.text()).toBe('after!');
		const missing = await asA.storage.from(PRIVATE).update(`${userA}/nope.txt`, bytes('x'));
		expect(apiError(missing.error)).toEqual(refusal('404', 'NoSuchKey'));
	});

	it('serves public URLs without any headers, only for public buckets', async () => {
		const path = `${userA}/pub.txt`;
		const { error } = await asA.storage.from(PUBLIC).upload(path, bytes('for everyone'));
		expect(error).toBeNull();
		const url = asA.storage.from(PUBLIC).getPublicUrl(path).data.publicUrl;
		expect(url).toBe(`${STORAGE}/object/public/${PUBLIC}/${path}`);
		const res = await fetch(url);
		expect(res.status).toBe(200);
		expect(await res.text()).toBe('for everyone');

		await asA.storage.from(PRIVATE).upload(`${userA}/secret.txt`, bytes('secret'));
		const priv = await fetch(
			asA.storage.from(PRIVATE).getPublicUrl(`${userA}/secret.txt`).data.publicUrl
		);
		await expectAnswer(priv, 400, {
			statusCode: '404',
			code: 'NoSuchBucket',
			error: 'Bucket not found'
		});
	});

	it('exists() tells present from missing objects', async () => {
		const path = `${userA}/exists.txt`;
		await asA.storage.from(PRIVATE).upload(path, bytes('here'));
		expect((await asA.storage.from(PRIVATE).exists(path)).data).toBe(true);
		const missing = await asA.storage.from(PRIVATE).exists(`${userA}/absent.txt`);
		expect(missing.data).toBe(false);
		expect(apiError(missing.error).code).toBe('NoSuchKey');
	});
});

describe('signed URLs', () => {
	const path = `${userA}/signed/doc.txt`;
	beforeAll(() => uploadAsA(path, 'signed bytes'));

	it('downloads through a signed URL without headers, with download disposition', async () => {
		const { data, error } = await asA.storage.from(PRIVATE).createSignedUrl(path, 60);
		expect(error).toBeNull();
		expect(data!.signedUrl.startsWith(`${STORAGE}/object/sign/${PRIVATE}/${path}?token=`)).toBe(
			true
		);
		const res = await fetch(data!.signedUrl);
		expect(res.status).toBe(200);
		expect(res.headers.get('expires')).toBeTruthy();
		expect(await res.text()).toBe('signed bytes');

		const dl = await asA.storage.from(PRIVATE).createSignedUrl(path, 60, { download: 'x.txt' });
		const res2 = await fetch(dl.data!.signedUrl);
		expect(res2.headers.get('content-disposition')).toContain('attachment; filename=x.txt');
	});

	it('rejects tampered tokens, tokens for another path and expired tokens', async () => {
		const { data } = await asA.storage.from(PRIVATE).createSignedUrl(path, 1);
		const url = new URL(data!.signedUrl);
		const token = url.searchParams.get('token')!;
		const [h, p, s] = token.split('.');
		const forged = Buffer.from(p, 'base64url').toString().replace(path, `${userA}/other.txt`);
		const tampered = `${h}.${Buffer.from(forged).toString('base64url')}.${s}`;
		const bad = await fetch(
			`${STORAGE}/object/sign/${PRIVATE}/${userA}/other.txt?token=${tampered}`
		);
		await expectAnswer(bad, 400, { statusCode: '400', code: 'InvalidJWT' });

		const wrongPath = await fetch(
			`${STORAGE}/object/sign/${PRIVATE}/${userA}/exists.txt?token=${token}`
		);
		await expectAnswer(wrongPath, 400, { statusCode: '400', code: 'InvalidSignature' });

		await new Promise((r) => setTimeout(r, 2100));
		const expired = await fetch(data!.signedUrl);
		await expectAnswer(expired, 400, {
			statusCode: '400',
			code: 'ExpiredToken',
			message: 'The provided token has expired.'
		});
	});

	it('signs several paths at once, with an error for invisible ones', async () => {
		const { data, error } = await asA.storage
			.from(PRIVATE)
			.createSignedUrls([path, `${userA}/signed/none.txt`], 60);
		expect(error).toBeNull();
		expect(data).toHaveLength(2);
		expect(data![0].error).toBeNull();
		expect(await (await fetch(data![0].signedUrl!)).text()).toBe('signed bytes');
		expect(data![1]).toMatchObject({
			path: `${userA}/signed/none.txt`,
			signedUrl: null,
			error: 'Either the object does not exist or you do not have access to it'
		});
	});

	it('does not sign objects the caller cannot read', async () => {
		const { error } = await asB.storage.from(PRIVATE).createSignedUrl(path, 60);
		expect(apiError(error)).toEqual(refusal('404', 'NoSuchKey'));
	});

	it('creates a signed upload URL that anyone holding it can upload to', async () => {
		const target = `${userA}/signed/upload.txt`;
		const { data, error } = await asA.storage.from(PRIVATE).createSignedUploadUrl(target);
		expect(error).toBeNull();
		const up = await anonClient()
			.storage.from(PRIVATE)
			.uploadToSignedUrl(target, data!.token, bytes('via signed upload'), {
				contentType: 'text/plain'
			});
		expect(up.error).toBeNull();
		expect(up.data?.fullPath).toBe(`${PRIVATE}/${target}`);
		const row = await objectRow(PRIVATE, target);
		expect(row.owner_id).toBe(userA);
		expect(await (await asA.storage.from(PRIVATE).download(target)).data!.text()).toBe(
			'via signed upload'
		);
		// The token is bound to its path.
		const other = await anonClient()
			.storage.from(PRIVATE)
			.uploadToSignedUrl(`${userA}/signed/elsewhere.txt`, data!.token, bytes('x'));
		expect(apiError(other.error).code).toBe('InvalidSignature');
		// Creating one needs the INSERT policy now.
		const denied = await asB.storage.from(PRIVATE).createSignedUploadUrl(`${userA}/signed/b.txt`);
		expect(apiError(denied.error)).toEqual(refusal('403', 'AccessDenied'));
	});
});

describe('list, remove, move, copy', () => {
	it('lists one level below a prefix with sub-folders as id null', async () => {
		for (const name of ['docs/b.txt', 'docs/a.txt', 'docs/sub/c.txt', 'docs/sub/d.txt']) {
			const { error } = await asA.storage.from(PRIVATE).upload(`${userA}/${name}`, bytes(name));
			expect(error).toBeNull();
		}
		const { data, error } = await asA.storage.from(PRIVATE).list(`${userA}/docs`);
		expect(error).toBeNull();
		expect(data!.map((d) => [d.name, d.id === null])).toEqual([
			['sub', true],
			['a.txt', false],
			['b.txt', false]
		]);
		expect(data![0].metadata).toBeNull();
		expect(data![1].metadata).toMatchObject({
			size: 'docs/a.txt'.length,
			mimetype: 'text/plain;charset=UTF-8'
		});

		const desc = await asA.storage
			.from(PRIVATE)
			.list(`${userA}/docs`, { sortBy: { column: 'name', order: 'desc' }, limit: 2 });
		expect(desc.data!.map((d) => d.name)).toEqual(['sub', 'b.txt']);
		const searched = await asA.storage.from(PRIVATE).list(`${userA}/docs`, { search: 'b' });
		expect(searched.data!.map((d) => d.name)).toEqual(['b.txt']);
		const page = await asA.storage.from(PRIVATE).list(`${userA}/docs`, { limit: 1, offset: 1 });
		expect(page.data!.map((d) => d.name)).toEqual(['a.txt']);
		// RLS: another user sees nothing of A's folder.
		const other = await asB.storage.from(PRIVATE).list(`${userA}/docs`);
		expect(other.data).toEqual([]);
	});

	it('removes visible objects (rows and bytes) and silently skips missing ones', async () => {
		const path = `${userA}/rm/one.txt`;
		await asA.storage.from(PRIVATE).upload(path, bytes('bye'));
		expect(existsSync(join(STORAGE_DIR, PRIVATE, path))).toBe(true);
		const { data, error } = await asA.storage.from(PRIVATE).remove([path, `${userA}/rm/none.txt`]);
		expect(error).toBeNull();
		expect(data!.map((d) => d.name)).toEqual([path]);
		expect(await objectRow(PRIVATE, path)).toBeNull();
		expect(existsSync(join(STORAGE_DIR, PRIVATE, path))).toBe(false);
	});

	it('moves and copies objects', async () => {
		const from = `${userA}/mv/from.txt`;
		const to = `${userA}/mv/to.txt`;
		const copy = `${userA}/mv/copy.txt`;
		await asA.storage.from(PRIVATE).upload(from, bytes('moving'));
		const mv = await asA.storage.from(PRIVATE).move(from, to);
		expect(mv.error).toBeNull();
		expect(mv.data?.message).toBe('Successfully moved');
		expect(apiError((await asA.storage.from(PRIVATE).download(from)).error).code).toBe('NoSuchKey');
		expect(await (await asA.storage.from(PRIVATE).download(to)).data!.text()).toBe('moving');
		expect(existsSync(join(STORAGE_DIR, PRIVATE, from))).toBe(false);

		const cp = await asA.storage.from(PRIVATE).copy(to, copy);
		expect(cp.error).toBeNull();
		expect(cp.data?.path).toBe(`${PRIVATE}/${copy}`);
		expect(await (await asA.storage.from(PRIVATE).download(copy)).data!.text()).toBe('moving');
		expect(await (await asA.storage.from(PRIVATE).download(to)).data!.text()).toBe('moving');
		const again = await asA.storage.from(PRIVATE).copy(to, copy);
		expect(apiError(again.error).code).toBe('KeyAlreadyExists');
		// B can neither move nor copy A's object.
		expect(
			apiError((await asB.storage.from(PRIVATE).move(to, `${userB}/stolen.txt`)).error).code
		).toBe('NoSuchKey');
		expect(
			apiError((await asB.storage.from(PRIVATE).copy(to, `${userB}/stolen.txt`)).error).code
		).toBe('NoSuchKey');
	});
});

describe('access control', () => {
	const path = `${userA}/private/mine.txt`;
	beforeAll(() => uploadAsA(path, 'mine'));

	it('lets RLS deny another user: upload 403 AccessDenied, download 404 NoSuchKey', async () => {
		const up = await asB.storage.from(PRIVATE).upload(`${userA}/private/intruder.txt`, bytes('x'));
		expect(apiError(up.error)).toEqual(refusal('403', 'AccessDenied'));
		expect((up.error as { message?: string }).message).toBe(
			'new row violates row-level security policy'
		);
		expect(await objectRow(PRIVATE, `${userA}/private/intruder.txt`)).toBeNull();
		const dl = await asB.storage.from(PRIVATE).download(path);
		expect(apiError(dl.error)).toEqual(refusal('404', 'NoSuchKey'));
		const info = await asB.storage.from(PRIVATE).info(path);
		expect(apiError(info.error).code).toBe('NoSuchKey');
		const rm = await asB.storage.from(PRIVATE).remove([path]);
		expect(rm.data).toEqual([]);
		expect(await objectRow(PRIVATE, path)).not.toBeNull();
		// B's own folder is fine.
		const own = await asB.storage.from(PRIVATE).upload(`${userB}/ok.txt`, bytes('ok'));
		expect(own.error).toBeNull();
	});

	it('denies anon uploads and reads without a policy, while service_role bypasses RLS', async () => {
		const anon = anonClient();
		const up = await anon.storage.from(PRIVATE).upload(`${userA}/anon.txt`, bytes('x'));
		expect(apiError(up.error)).toEqual(refusal('403', 'AccessDenied'));
		expect(apiError((await anon.storage.from(PRIVATE).download(path)).error).code).toBe(
			'NoSuchKey'
		);
		const svc = await service.storage.from(PRIVATE).download(path);
		expect(await svc.data!.text()).toBe('mine');
	});

	it('answers invalid and expired JWTs with 403-class AccessDenied', async () => {
		const forged = clientWithToken(`${tokenA.slice(0, -4)}AAAA`);
		const bad = await forged.storage.from(PRIVATE).download(path);
		expect(apiError(bad.error)).toEqual(refusal('403', 'AccessDenied'));
		const expired = clientWithToken(mintToken({ sub: userA }, -60));
		const exp = await expired.storage.from(PRIVATE).list(userA);
		expect(apiError(exp.error)).toEqual(refusal('403', 'AccessDenied'));
		expect((exp.error as { message?: string }).message).toBe('JWT expired');
		const none = await fetch(`${STORAGE}/object/${PRIVATE}/${path}`);
		await expectAnswer(none, 400, { statusCode: '403', code: 'AccessDenied' });
	});
});

describe('bucket limits and keys', () => {
	it('enforces the bucket file size limit with 413-class EntityTooLarge', async () => {
		const big = await asA.storage
			.from(LIMITED)
			.upload(`${userA}/big.txt`, Buffer.alloc(17, 1), { contentType: 'text/plain' });
		expect(apiError(big.error)).toEqual(refusal('413', 'EntityTooLarge'));
		expect((big.error as { message?: string }).message).toBe(
			'The object exceeded the maximum allowed size'
		);
		const bigFile = await asA.storage
			.from(LIMITED)
			.upload(`${userA}/big.png`, new File([Buffer.alloc(17, 1)], 'b.png', { type: 'image/png' }));
		expect(apiError(bigFile.error).statusCode).toBe('413');
		expect(await objectRow(LIMITED, `${userA}/big.txt`)).toBeNull();
		const fits = await asA.storage
			.from(LIMITED)
			.upload(`${userA}/fits.txt`, Buffer.alloc(16, 1), { contentType: 'text/plain' });
		expect(fits.error).toBeNull();
	});

	it('enforces allowed mime types (with wildcards) with 415-class InvalidMimeType', async () => {
		const pdf = await asA.storage
			.from(LIMITED)
			.upload(`${userA}/doc.pdf`, bytes('%PDF'), { contentType: 'application/pdf' });
		expect(apiError(pdf.error)).toEqual(refusal('415', 'InvalidMimeType'));
		expect((pdf.error as { message?: string }).message).toBe(
			'mime type application/pdf is not supported'
		);
		const png = await asA.storage
			.from(LIMITED)
			.upload(`${userA}/ok.png`, bytes('png'), { contentType: 'image/png' });
		expect(png.error).toBeNull();
	});

	it('refuses dot-segment and control-character keys, so nothing leaves the bucket folder', async () => {
		const traversal = await asA.storage
			.from(PRIVATE)
			.upload(`${userA}/..%2F..%2F..%2Fescape-${run}.txt`, bytes('x'));
		expect(apiError(traversal.error)).toEqual(refusal('400', 'InvalidKey'));
		const res = await fetch(`${STORAGE}/object/${PRIVATE}/%2E%2E%2Fescape-${run}.txt`, {
			method: 'POST',
			headers: { Authorization: `Bearer ${keys.serviceRoleJwt}`, 'content-type': 'text/plain' },
			body: 'x'
		});
		await expectAnswer(res, 400, { code: 'InvalidKey' });
		// A dot segment is refused even when it would resolve inside the bucket.
		const inner = await asA.storage.from(PRIVATE).upload(`${userA}/x/..%2Finner.txt`, bytes('x'));
		expect(apiError(inner.error).code).toBe('InvalidKey');
		expect(existsSync(join(STORAGE_DIR, PRIVATE, userA, 'inner.txt'))).toBe(false);
		const ctrl = await service.storage.from(PRIVATE).upload(`bad\u0001name.txt`, bytes('x'));
		expect(apiError(ctrl.error).code).toBe('InvalidKey');
		expect(existsSync(join(STORAGE_DIR, `escape-${run}.txt`))).toBe(false);
		expect(existsSync(join(STORAGE_DIR, '..', `escape-${run}.txt`))).toBe(false);
	});
});

describe('policies decide with the request context', () => {
	it('needs only an INSERT policy to upload; upsert over an object also needs UPDATE', async () => {
		const path = `${userA}/drop.txt`;
		const up = await asA.storage.from(DROPBOX).upload(path, bytes('dropped'));
		expect(up.error).toBeNull();
		expect((await objectRow(DROPBOX, path)).owner_id).toBe(userA);
		const dl = await asA.storage.from(DROPBOX).download(path);
		expect(apiError(dl.error).code).toBe('NoSuchKey');
		const over = await asA.storage.from(DROPBOX).upload(path, bytes('again'), { upsert: true });
		expect(apiError(over.error)).toEqual(refusal('403', 'AccessDenied'));
		expect(readFileSync(join(STORAGE_DIR, DROPBOX, path), 'utf8')).toBe('dropped');
	});

	it('exposes the JWT claims and storage.operation to policies (tenant folder per claim)', async () => {
		const orgA = `org-${run}-a`;
		const member = clientWithToken(mintToken({ sub: randomUUID(), organization_id: orgA }));
		const outsider = clientWithToken(mintToken({ sub: randomUUID(), organization_id: 'other' }));
		const path = `${orgA}/report.txt`;
		const up = await member.storage.from(ORGS).upload(path, bytes('tenant data'));
		expect(up.error).toBeNull();
		expect(await (await member.storage.from(ORGS).download(path)).data!.text()).toBe('tenant data');
		expect(apiError((await outsider.storage.from(ORGS).download(path)).error).code).toBe(
			'NoSuchKey'
		);
		const denied = await outsider.storage.from(ORGS).upload(`${orgA}/x.txt`, bytes('x'));
		expect(apiError(denied.error).code).toBe('AccessDenied');
		// The INSERT policy only admits storage.operation = upload: a copy inside the folder is refused.
		const cp = await member.storage.from(ORGS).copy(path, `${orgA}/copy.txt`);
		expect(apiError(cp.error).code).toBe('AccessDenied');
	});
});

describe('more object details', () => {
	it('keeps x-metadata of a binary upload and serves ranges and HEAD', async () => {
		const path = `${userA}/range.txt`;
		const { error } = await asA.storage
			.from(PRIVATE)
			.upload(path, bytes('0123456789'), { contentType: 'text/plain', metadata: { k: 'v' } });
		expect(error).toBeNull();
		expect((await objectRow(PRIVATE, path)).user_metadata).toEqual({ k: 'v' });
		const url = `${STORAGE}/object/authenticated/${PRIVATE}/${path}`;
		const auth = { Authorization: `Bearer ${tokenA}` };
		const part = await fetch(url, { headers: { ...auth, Range: 'bytes=2-4' } });
		expect(part.status).toBe(206);
		expect(part.headers.get('content-range')).toBe('bytes 2-4/10');
		expect(await part.text()).toBe('234');
		const head = await fetch(url, { method: 'HEAD', headers: auth });
		expect(head.status).toBe(200);
		expect(head.headers.get('content-length')).toBe('10');
		expect(await head.text()).toBe('');
		const etag = head.headers.get('etag')!;
		const cached = await fetch(url, { headers: { ...auth, 'If-None-Match': etag } });
		expect(cached.status).toBe(304);
	});

	it('accepts S3-safe special characters in keys and refuses others like Storage does', async () => {
		const path = `${userA}/odd names/report (1) & co+x=y.txt`;
		const up = await asA.storage.from(PRIVATE).upload(path, bytes('odd'));
		expect(up.error).toBeNull();
		const listed = await asA.storage.from(PRIVATE).list(`${userA}/odd names`);
		expect(listed.data!.map((d) => d.name)).toEqual(['report (1) & co+x=y.txt']);
		const signed = await asA.storage.from(PRIVATE).createSignedUrl(path, 60);
		expect(await (await fetch(signed.data!.signedUrl)).text()).toBe('odd');
		const umlaut = await asA.storage.from(PRIVATE).upload(`${userA}/grüße.txt`, bytes('x'));
		expect(apiError(umlaut.error).code).toBe('InvalidKey');
	});

	it('enforces the global upload limit on buckets without their own', async () => {
		const limit = Number(process.env.SUPABASE_STORAGE_FILE_SIZE_LIMIT ?? 50 * 1024 * 1024);
		const { error } = await service.storage
			.from(PRIVATE)
			.upload('global-limit.bin', Buffer.alloc(limit + 1), {
				contentType: 'application/octet-stream'
			});
		expect(apiError(error)).toEqual(refusal('413', 'EntityTooLarge'));
		expect(await objectRow(PRIVATE, 'global-limit.bin')).toBeNull();
	});
});

describe('buckets', () => {
	it('creates, reads, lists, updates, empties and deletes a bucket', async () => {
		const created = await service.storage.createBucket(CRUD, {
			public: false,
			fileSizeLimit: '1MB',
			allowedMimeTypes: ['text/plain']
		});
		expect(created.error).toBeNull();
		expect(created.data).toEqual({ name: CRUD });
		const dup = await service.storage.createBucket(CRUD);
		expect(apiError(dup.error)).toEqual(refusal('409', 'BucketAlreadyExists'));

		const got = await service.storage.getBucket(CRUD);
		expect(got.data).toMatchObject({
			id: CRUD,
			name: CRUD,
			public: false,
			file_size_limit: 1_000_000,
			allowed_mime_types: ['text/plain']
		});
		const listed = await service.storage.listBuckets({ search: `st-crud-${run}` });
		expect(listed.data!.map((b) => b.id)).toEqual([CRUD]);

		const upd = await service.storage.updateBucket(CRUD, {
			public: true,
			allowedMimeTypes: undefined
		});
		expect(upd.data).toEqual({ message: 'Successfully updated' });
		const after = await service.storage.getBucket(CRUD);
		expect(after.data).toMatchObject({ public: true, allowed_mime_types: ['text/plain'] });

		await service.storage.from(CRUD).upload('f.txt', bytes('x'), { contentType: 'text/plain' });
		const notEmpty = await service.storage.deleteBucket(CRUD);
		expect(apiError(notEmpty.error)).toEqual(refusal('409', 'ResourceNotEmpty'));
		const emptied = await service.storage.emptyBucket(CRUD);
		expect(emptied.error).toBeNull();
		expect(existsSync(join(STORAGE_DIR, CRUD, 'f.txt'))).toBe(false);
		const deleted = await service.storage.deleteBucket(CRUD);
		expect(deleted.data).toEqual({ message: 'Successfully deleted' });
		const gone = await service.storage.getBucket(CRUD);
		expect(apiError(gone.error)).toEqual(refusal('404', 'NoSuchBucket'));
	});

	it('decides bucket writes by the caller role: authenticated without a policy is denied', async () => {
		const denied = await asA.storage.createBucket(`st-user-${run}`);
		expect(apiError(denied.error)).toEqual(refusal('403', 'AccessDenied'));
		const r = await db.query('select 1 from storage.buckets where id = $1', [`st-user-${run}`]);
		expect(r.rowCount).toBe(0);
		// Without a SELECT policy on buckets, the user sees none of them.
		const list = await asA.storage.listBuckets();
		expect(list.data!.some((b) => b.id === PRIVATE)).toBe(false);
		const bad = await service.storage.createBucket('bad/name');
		expect(apiError(bad.error).code).toBe('InvalidBucketName');
		const missing = await service.storage.from(`st-none-${run}`).upload('x.txt', bytes('x'));
		expect(apiError(missing.error)).toEqual(refusal('404', 'NoSuchBucket'));
	});
});
