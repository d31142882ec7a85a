/**
 * Medical record numbers under real concurrency: many connections insert patients into the same
 * clinics at once, as `authenticated` with the claims the Data API sets. Numbers must never collide,
 * must be gapless per clinic (a rolled-back insert gives its number back), and each clinic counts on
 * its own. pgTAP cannot do this: it runs in one transaction on one connection.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { adminDb } from '../support/stack.ts';
import { addStaff, beginAs } from './clinic-staff.ts';

const CONNECTIONS = 8;
const PER_CONNECTION = 15;

const orgs = [randomUUID(), randomUUID()];
const users = [randomUUID(), randomUUID()];
let owner: pg.Client;

async function asStaff(client: pg.Client, index: number, fn: () => Promise<void>, commit = true) {
	await beginAs(client, { id: users[index], organizationId: orgs[index], role: 'receptionist' });
	try {
		await fn();
		await client.query(commit ? 'commit' : 'rollback');
	} catch (err) {
		await client.query('rollback');
		throw err;
	}
}

beforeAll(async () => {
	owner = adminDb();
	await owner.connect();
	const tag = randomUUID().slice(0, 8);
	for (const [i, id] of orgs.entries()) {
		await owner.query(`insert into public.organizations (id, slug, name) values ($1, $2, $3)`, [
			id,
			`mrn-${tag}-${i}`,
			`MRN test clinic ${i}`
		]);
		await addStaff(owner, {
			id: users[i],
			email: `mrn-${tag}-${i}@tests.local`,
			organizationId: id,
			role: 'receptionist'
		});
	}
});

afterAll(async () => {
	// deleting the clinics takes their patients and audit trail with them
	await owner.query(`delete from public.organizations where id = any($1::uuid[])`, [orgs]);
	await owner.query(`delete from auth.users where id = any($1::uuid[])`, [users]);
	await owner.end();
});

describe('medical record numbers', () => {
	it('never collide and stay gapless per clinic under concurrent inserts', async () => {
		expect.hasAssertions();
		const clients = Array.from({ length: CONNECTIONS }, () => adminDb());
		await Promise.all(clients.map((c) => c.connect()));
		try {
			await Promise.all(
				clients.map(async (client, c) => {
					for (let n = 0; n < PER_CONNECTION; n++) {
						const clinic = (c + n) % 2;
						// every fifth transaction rolls back: its number must be reused
						const commit = n % 5 !== 4;
						await asStaff(
							client,
							clinic,
							async () => {
								await client.query(
									`insert into public.patients (given_name, family_name) values ($1, $2)`,
									[`Given${c}`, `Family${n}`]
								);
								await client.query('select pg_sleep(0.002)');
							},
							commit
						);
					}
				})
			);
		} finally {
			await Promise.all(clients.map((c) => c.end()));
		}

		const committedPerClinic = [0, 0];
		for (let c = 0; c < CONNECTIONS; c++)
			for (let n = 0; n < PER_CONNECTION; n++) if (n % 5 !== 4) committedPerClinic[(c + n) % 2]++;

		for (const [i, org] of orgs.entries()) {
			const { rows } = await owner.query<{ mrn: string }>(
				`select mrn from public.patients where organization_id = $1 order by mrn`,
				[org]
			);
			const expected = Array.from(
				{ length: committedPerClinic[i] },
				(_, k) => `MRN-${String(k + 1).padStart(6, '0')}`
			);
			expect(rows.map((r) => r.mrn)).toEqual(expected);
		}
	});

	it('keeps the audit chain of each clinic intact under the same concurrency', async () => {
		expect.hasAssertions();
		for (const [i, org] of orgs.entries()) {
			await owner.query('begin');
			await owner.query(
				`insert into public.memberships (organization_id, user_id, role)
			  select $1, $2, 'admin' where not exists (select 1 from public.memberships where organization_id = $1 and user_id = $2 and role = 'admin')
			  on conflict (organization_id, user_id) do update set role = 'admin'`,
				[org, users[i]]
			);
			await owner.query(`select set_config('request.jwt.claims', $1, true)`, [
				JSON.stringify({ sub: users[i], role: 'authenticated', organization_id: org, aal: 'aal2' })
			]);
			await owner.query('set local role authenticated');
			const { rows } = await owner.query(
				`select intact, rows_checked from public.verify_audit_chain()`
			);
			await owner.query('rollback');
			expect(rows[0].intact).toBe(true);
			expect(Number(rows[0].rows_checked)).toBeGreaterThan(committedRows(i));
		}
	});
});

function committedRows(clinic: number): number {
	let count = 0;
	for (let c = 0; c < CONNECTIONS; c++)
		for (let n = 0; n < PER_CONNECTION; n++) if (n % 5 !== 4 && (c + n) % 2 === clinic) count++;
	return count - 1;
}
