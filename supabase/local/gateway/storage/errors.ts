/**
 * Storage API errors (docs/local-runtime.md, "Storage"): HTTP 400 (500 for internal errors) with the
 * logical status in the JSON body's `statusCode`, as supabase/storage renders StorageBackendError.
 */
import type { ServerResponse } from 'node:http';
import { sendJson } from '../core/http.ts';

export class StorageError extends Error {
	statusCode: string;
	code: string;
	error: string;
	constructor(statusCode: string, code: string, message: string, error = code) {
		super(message);
		this.statusCode = statusCode;
		this.code = code;
		this.error = error;
	}
}

export const ERR = {
	noSuchKey: () => new StorageError('404', 'NoSuchKey', 'Object not found', 'not_found'),
	noSuchBucket: () =>
		new StorageError('404', 'NoSuchBucket', 'Bucket not found', 'Bucket not found'),
	accessDenied: (message: string) =>
		new StorageError('403', 'AccessDenied', message || 'Access denied', 'Unauthorized'),
	rlsDenied: () =>
		new StorageError(
			'403',
			'AccessDenied',
			'new row violates row-level security policy',
			'Unauthorized'
		),
	keyAlreadyExists: () =>
		new StorageError('409', 'KeyAlreadyExists', 'The resource already exists', 'Duplicate'),
	bucketAlreadyExists: () =>
		new StorageError('409', 'BucketAlreadyExists', 'The resource already exists', 'Duplicate'),
	bucketNotEmpty: () =>
		new StorageError('409', 'ResourceNotEmpty', 'The bucket you tried to delete is not empty'),
	invalidKey: (key: string) => new StorageError('400', 'InvalidKey', `Invalid key: ${key}`),
	invalidBucketName: () =>
		new StorageError('400', 'InvalidBucketName', 'Bucket name invalid', 'Invalid Input'),
	invalidRequest: (message: string) => new StorageError('400', 'InvalidRequest', message),
	noContent: () => new StorageError('400', 'InvalidRequest', 'No content provided'),
	entityTooLarge: () =>
		new StorageError(
			'413',
			'EntityTooLarge',
			'The object exceeded the maximum allowed size',
			'Payload too large'
		),
	invalidMimeType: (mime: string) =>
		new StorageError(
			'415',
			'InvalidMimeType',
			`mime type ${mime} is not supported`,
			'invalid_mime_type'
		),
	invalidJwt: (message: string) => new StorageError('400', 'InvalidJWT', message || 'Invalid JWT'),
	invalidSignature: () =>
		new StorageError('400', 'InvalidSignature', 'The url do not match the signature'),
	expiredToken: () => new StorageError('400', 'ExpiredToken', 'The provided token has expired.'),
	internal: () => new StorageError('500', 'InternalError', 'Internal server error')
};

interface PgError {
	code?: string;
	message?: string;
}

/** Maps a PostgreSQL error to the Storage error the real service reports, else null. */
export function fromPgError(err: unknown, target: 'object' | 'bucket'): StorageError | null {
	const code = (err as PgError)?.code;
	if (code === '42501') return ERR.rlsDenied();
	if (code === '23505')
		return target === 'bucket' ? ERR.bucketAlreadyExists() : ERR.keyAlreadyExists();
	if (code === '23503') return target === 'bucket' ? ERR.bucketNotEmpty() : ERR.noSuchBucket();
	if (code === '22P02' || code === '22023' || code === '23502' || code === '23514')
		return ERR.invalidRequest((err as PgError).message ?? 'Invalid request');
	if (code === '57014')
		return new StorageError('544', 'DatabaseTimeout', 'The connection to the database timed out');
	return null;
}

export function sendStorageError(res: ServerResponse, err: StorageError) {
	const http = err.statusCode === '500' ? 500 : err.statusCode === '544' ? 544 : 400;
	sendJson(
		res,
		http,
		{ statusCode: err.statusCode, code: err.code, error: err.error, message: err.message },
		{ 'Cache-Control': 'no-store' }
	);
}
