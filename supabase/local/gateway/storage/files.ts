/**
 * Bucket names, object keys and the files behind them: Storage's character sets, and for the
 * local disk (STORAGE_DIR/<bucket>/<key>) no absolute keys, empty or dot segments.
 */
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname, resolve, sep } from 'node:path';
import { STORAGE_DIR } from '../../config.ts';
import { decodeSegments } from '../core/http.ts';
import { ERR, StorageError } from './errors.ts';

const STORAGE_ROOT = resolve(STORAGE_DIR);

export const TMP_DIR = resolve(STORAGE_DIR, '..', 'storage-tmp');

const BUCKET_NAME_RE = /^(\w|!|-|\.|\*|'|\(|\)| |&|\$|@|=|;|:|\+|,|\?)+$/;

export function checkBucketName(name: unknown): string {
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
export function checkKey(key: unknown): string {
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

export function bucketDir(bucket: string): string {
	const dir = resolve(STORAGE_ROOT, bucket);
	if (dirname(dir) !== STORAGE_ROOT) throw ERR.invalidBucketName();
	return dir;
}

export function objectFile(bucket: string, name: string): string {
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

/** Moves (or with `put = copyFile`, copies) `from` to the object's file, creating its folders. */
export async function placeFile(
	from: string,
	bucket: string,
	name: string,
	put: (from: string, to: string) => Promise<void> = rename
) {
	const target = objectFile(bucket, name);
	try {
		await mkdir(dirname(target), { recursive: true });
		await put(from, target);
	} catch (err) {
		throw fsError(err, name) ?? err;
	}
}

export async function removeFiles(bucket: string, names: string[]) {
	for (const name of names) {
		try {
			await rm(objectFile(bucket, name), { force: true });
		} catch {
			/* a file that was never written or already gone */
		}
	}
}

/** `/<bucket>/<key…>` below a route prefix → [bucket, key]; key '' when absent. */
export function bucketAndKey(rest: string): [string, string] {
	const segs = decodeSegments(rest);
	if (!segs) throw ERR.invalidKey(rest);
	const [bucket = '', ...key] = segs;
	return [bucket, key.join('/')];
}

/** A bucket id from one percent-encoded path segment. */
export function bucketId(segment: string): string {
	const segs = decodeSegments(segment);
	if (!segs) throw ERR.invalidBucketName();
	return segs[0];
}
