/** Auth's transactions: one per request, on a `supabase_auth_admin` connection (GoTrue's own role). */
import type pg from 'pg';
import { authPool } from '../core/db.ts';
import { CommitWithError } from './errors.ts';

/** Runs `fn` in one transaction on a `supabase_auth_admin` connection. */
export async function tx<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
	const client = await authPool.connect();
	try {
		await client.query('begin');
		try {
			const out = await fn(client);
			await client.query('commit');
			return out;
		} catch (err) {
			if (err instanceof CommitWithError) {
				await client.query('commit');
				throw err.error;
			}
			await client.query('rollback').catch(() => {});
			throw err;
		}
	} finally {
		client.release();
	}
}
