/** Auth's transactions: one per request, on a `supabase_auth_admin` connection (GoTrue's own role). */
import type pg from 'pg';
import { authPool } from '../core/db.ts';
import { CommitWithError } from './errors.ts';

const afterCommits = new WeakMap<pg.ClientBase, (() => void)[]>();

/**
 * Runs `fn` once the transaction on `db` has committed (at once outside `tx`): a message Auth
 * renders itself reaches the mailbox only when the token its link carries exists.
 */
export function afterCommit(db: pg.ClientBase, fn: () => void): void {
	const queue = afterCommits.get(db);
	if (queue) queue.push(fn);
	else fn();
}

/** Runs `fn` in one transaction on a `supabase_auth_admin` connection. */
export async function tx<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
	const client = await authPool.connect();
	const queue: (() => void)[] = [];
	afterCommits.set(client, queue);
	try {
		await client.query('begin');
		try {
			const out = await fn(client);
			await client.query('commit');
			for (const run of queue) run();
			return out;
		} catch (err) {
			if (err instanceof CommitWithError) {
				await client.query('commit');
				for (const run of queue) run();
				throw err.error;
			}
			await client.query('rollback').catch(() => {});
			throw err;
		}
	} finally {
		afterCommits.delete(client);
		client.release();
	}
}
