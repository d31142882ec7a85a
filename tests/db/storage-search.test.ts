/**
 * storage.search (platform bootstrap): lists one level below a prefix, folders with null ids, and
 * compares prefix and search literally: `_` and `%` in names match only themselves.
 */
import { expect, test } from 'vitest';
import { adminDb } from '../support/stack.ts';

test('storage.search lists one level and treats _ and % literally', async () => {
	const db = adminDb();
	await db.connect();
	try {
		await db.query('begin');
		await db.query(`insert into storage.buckets (id, name) values ('zz_search', 'zz_search')`);
		await db.query(
			`insert into storage.objects (bucket_id, name)
			 values ('zz_search', 'a_b/x.png'), ('zz_search', 'aXb/y.png'), ('zz_search', '100%/z.png'),
			        ('zz_search', '100X/w.png'), ('zz_search', 'top.png')`
		);
		const search = async (prefix: string, term = '') =>
			(
				await db.query<{ name: string; folder: boolean }>(
					`select name, id is null as folder from storage.search($1, 'zz_search', 100, 1, 0, $2)`,
					[prefix, term]
				)
			).rows;
		expect(await search('a_b/')).toEqual([{ name: 'x.png', folder: false }]);
		expect(await search('100%/')).toEqual([{ name: 'z.png', folder: false }]);
		expect((await search('')).map((r) => r.name).sort()).toEqual([
			'100%',
			'100X',
			'aXb',
			'a_b',
			'top.png'
		]);
		expect((await search('')).filter((r) => r.folder).length).toBe(4);
		expect((await search('', 'A_')).map((r) => r.name)).toEqual(['a_b']);
	} finally {
		await db.query('rollback');
		await db.end();
	}
});
