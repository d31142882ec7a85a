/**
 * The Storage API stand-in (`/storage/v1`, docs/local-runtime.md, "Storage"): buckets and objects
 * in the `storage` schema, bytes under STORAGE_DIR/<bucket>/<key>. Every statement that storage
 * policies decide runs as the caller (auth.ts → core/with-role.ts), so RLS on storage.objects and
 * storage.buckets decides as on hosted Supabase. Errors answer in Storage's shape (errors.ts).
 *
 * Routes: the first row whose method and pattern match serves the request, as Storage's
 * per-method router does (e.g. a PUT to `/object/sign/x` is an update of bucket `sign`).
 */
import { isDatabaseUnavailable, sendUnavailable } from '../core/unavailable.ts';
import { sendJson, type GatewayContext } from '../core/http.ts';
import { findRoute, READ, type Route } from '../core/router.ts';
import {
	createBucket,
	deleteBucket,
	emptyBucket,
	getBucket,
	listBuckets,
	updateBucket
} from './buckets.ts';
import { ERR, fromPgError, sendStorageError, StorageError } from './errors.ts';
import { bucketAndKey, bucketId } from './files.ts';
import { deleteObjects, moveOrCopy, uploadObject } from './object-writes.ts';
import { getObject, getObjectInfo, getPublicObject, listObjects } from './objects.ts';
import {
	createSignedUpload,
	getSigned,
	signObjects,
	signObject,
	uploadSigned
} from './signed-urls.ts';

const BUCKET = /^\/bucket\/([^/]+)\/?$/;

const routes: Route[] = [
	{ method: READ, pattern: /^\/bucket\/?$/, handler: listBuckets },
	{ method: 'POST', pattern: /^\/bucket\/?$/, handler: createBucket },
	{
		method: 'POST',
		pattern: /^\/bucket\/([^/]+)\/empty\/?$/,
		handler: (c, [id]) => emptyBucket(c, bucketId(id))
	},
	{ method: READ, pattern: BUCKET, handler: (c, [id]) => getBucket(c, bucketId(id)) },
	{ method: 'PUT', pattern: BUCKET, handler: (c, [id]) => updateBucket(c, bucketId(id)) },
	{ method: 'DELETE', pattern: BUCKET, handler: (c, [id]) => deleteBucket(c, bucketId(id)) },

	{ method: 'POST', pattern: /^\/object\/move$/, handler: (c) => moveOrCopy(c, 'move') },
	{ method: 'POST', pattern: /^\/object\/copy$/, handler: (c) => moveOrCopy(c, 'copy') },
	{
		method: 'POST',
		pattern: /^\/object\/list\/([^/]+)\/?$/,
		handler: (c, [p]) => listObjects(c, bucketAndKey(p)[0])
	},

	{
		method: 'POST',
		pattern: /^\/object\/upload\/sign\/(.+)$/,
		handler: (c, [p]) => createSignedUpload(c, ...bucketAndKey(p))
	},
	{
		method: 'PUT',
		pattern: /^\/object\/upload\/sign\/(.+)$/,
		handler: (c, [p]) => uploadSigned(c, ...bucketAndKey(p))
	},
	{
		method: 'POST',
		pattern: /^\/object\/sign\/(.+)$/,
		handler: (c, [p]) => {
			const [bucket, key] = bucketAndKey(p);
			return key === '' ? signObjects(c, bucket) : signObject(c, bucket, key);
		}
	},
	{
		method: READ,
		pattern: /^\/object\/sign\/(.+)$/,
		handler: (c, [p]) => getSigned(c, ...bucketAndKey(p))
	},

	{ method: READ, pattern: /^\/object\/public\/(.+)$/, handler: (c, [p]) => getPublicObject(c, p) },
	{
		method: 'GET',
		pattern: /^\/object\/info\/(public\/|authenticated\/)?(.+)$/,
		handler: (c, [scope, p]) => getObjectInfo(c, scope, p)
	},
	{
		method: READ,
		pattern: /^\/object\/(?:authenticated\/)?(.+)$/,
		handler: (c, [p]) => getObject(c, p)
	},
	{
		method: 'DELETE',
		pattern: /^\/object\/(?!authenticated\/)(.+)$/,
		handler: (c, [p]) => deleteObjects(c, p)
	},
	{
		method: ['POST', 'PUT'],
		pattern: /^\/object\/(?!authenticated\/)(.+)$/,
		handler: (c, [p]) => uploadObject(c, p)
	},

	{
		method: '*',
		pattern: /^\/(?:health|status)$/,
		handler: (c) => sendJson(c.res, 200, { name: 'Storage', description: 'local runtime' })
	}
];

async function route(ctx: GatewayContext): Promise<void> {
	const method = ctx.req.method ?? 'GET';
	const found = findRoute(routes, method, ctx.path);
	if (found.kind === 'found') return found.route.handler(ctx, found.params);
	sendJson(ctx.res, 404, {
		statusCode: 404,
		error: 'Not Found',
		message: `Route ${method}:/storage/v1${ctx.path} not found`
	});
}

export async function handleStorage(ctx: GatewayContext): Promise<void> {
	try {
		await route(ctx);
	} catch (err) {
		if (isDatabaseUnavailable(err)) return sendUnavailable(ctx, 'storage');
		const mapped = err instanceof StorageError ? err : fromPgError(err, 'object');
		if (!mapped) console.error('[storage] unexpected error', err);
		if (ctx.res.headersSent) {
			ctx.res.destroy();
			return;
		}
		sendStorageError(ctx.res, mapped ?? ERR.internal());
	}
}
