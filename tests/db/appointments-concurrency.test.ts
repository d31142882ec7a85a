/**
 * No double booking under real concurrency: many connections book the same clinician into the same
 * or overlapping slots at once, as `authenticated` with the claims the Data API sets, each holding
 * its transaction open a moment after its insert. The exclusion constraint
 * `appointments_no_double_booking` must let exactly the non-overlapping ones through and refuse the
 * rest with 23P01, and never refuse different clinicians at the same time. pgTAP cannot do this: it
 * runs in one transaction on one connection.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { adminDb } from '../support/stack.ts';
import { addStaff, beginAs } from './clinic-staff.ts';

const CONNECTIONS = 8;
const org = randomUUID();
const reception = randomUUID();
const doctors = Array.from({ length: CONNECTIONS }, () => randomUUID());
let patient = '';
let owner: pg.Client;

/** Runs one booking in its own transaction as the receptionist; the outcome, not a throw. */
async function book(
	client: pg.Client,
	slot: { clinician: string; start: string; minutes: number }
): Promise<'booked' | string> {
	try {
		await beginAs(client, { id: reception, organizationId: org, role: 'receptionist' });
		await client.query(
			`insert into public.appointments (patient_id, clinician_id, starts_at, ends_at, appointment_type)
			 values ($1, $2, $3::timestamptz, $3::timestamptz + make_interval(mins => $4), 'Consultation')`,
			[patient, slot.clinician, slot.start, slot.minutes]
		);
		// hold the transaction open so the other bookings arrive while this one is undecided
		await client.query('select pg_sleep(0.3)');
		await client.query('commit');
		return 'booked';
	} catch (err) {
		await client.query('rollback');
		return (err as { code?: string }).code ?? String(err);
	}
}

async function withClients<T>(fn: (clients: pg.Client[]) => Promise<T>): Promise<T> {
	const clients = Array.from({ length: CONNECTIONS }, () => adminDb());
	await Promise.all(clients.map((c) => c.connect()));
	try {
		return await fn(clients);
	} finally {
		await Promise.all(clients.map((c) => c.end()));
	}
}

beforeAll(async () => {
	owner = adminDb();
	await owner.connect();
	const tag = randomUUID().slice(0, 8);
	await owner.query(
		`insert into public.organizations (id, slug, name, time_zone) values ($1, $2, $3, 'Europe/Paris')`,
		[org, `diary-${tag}`, 'Diary concurrency clinic']
	);
	const people = [[reception, 'receptionist'], ...doctors.map((d) => [d, 'doctor'])] as const;
	for (const [id, role] of people) {
		await addStaff(owner, {
			id,
			email: `diary-${tag}-${id.slice(0, 8)}@tests.local`,
			organizationId: org,
			role
		});
	}
	const { rows } = await owner.query<{ id: string }>(
		`insert into public.patients (organization_id, given_name, family_name) values ($1, 'Con', 'Current') returning id`,
		[org]
	);
	patient = rows[0].id;
});

afterAll(async () => {
	// deleting the clinic takes its appointments, patients and audit trail with it
	await owner.query(`delete from public.organizations where id = $1`, [org]);
	await owner.query(`delete from auth.users where id = any($1::uuid[])`, [[reception, ...doctors]]);
	await owner.end();
});

/** Pairs of live appointments of one clinician that overlap (must always be none). */
async function overlaps(): Promise<number> {
	const { rows } = await owner.query<{ n: number }>(
		`select count(*)::int as n
		   from public.appointments a
		   join public.appointments b
		     on a.organization_id = b.organization_id and a.clinician_id = b.clinician_id and a.id < b.id
		    and tstzrange(a.starts_at, a.ends_at) && tstzrange(b.starts_at, b.ends_at)
		  where a.organization_id = $1
		    and a.status not in ('cancelled', 'no_show') and b.status not in ('cancelled', 'no_show')`,
		[org]
	);
	return rows[0].n;
}

describe('appointments: no double booking under concurrency', () => {
	it('books exactly one of many concurrent bookings of the same clinician and slot', async () => {
		expect.hasAssertions();
		const outcomes = await withClients((clients) =>
			Promise.all(
				clients.map((c) =>
					book(c, { clinician: doctors[0], start: '2030-03-04T09:00:00Z', minutes: 30 })
				)
			)
		);
		expect(outcomes.filter((o) => o === 'booked')).toHaveLength(1);
		expect(outcomes.filter((o) => o !== 'booked')).toEqual(Array(CONNECTIONS - 1).fill('23P01'));
		const { rows } = await owner.query(
			`select 1 from public.appointments where organization_id = $1 and clinician_id = $2`,
			[org, doctors[0]]
		);
		expect(rows).toHaveLength(1);
	});

	it('lets only non-overlapping ones through when concurrent bookings overlap in part, refusing the rest with 23P01 (never a deadlock)', async () => {
		expect.hasAssertions();
		// 09:00, 09:10, 09:20 … each 30 minutes: neighbours overlap, every third one does not. Overlapping
		// inserts in progress at once could wait for each other inside the exclusion constraint (40P01)
		// if bookings of one clinician were not queued: three rounds make that likely to show.
		for (const day of ['2030-03-05', '2030-03-12', '2030-03-19']) {
			const outcomes = await withClients((clients) =>
				Promise.all(
					clients.map((c, i) =>
						book(c, {
							clinician: doctors[1],
							start: new Date(Date.parse(`${day}T09:00:00Z`) + i * 10 * 60_000).toISOString(),
							minutes: 30
						})
					)
				)
			);
			expect(outcomes.filter((o) => o === 'booked').length).toBeGreaterThanOrEqual(1);
			expect(outcomes.filter((o) => o !== 'booked')).toEqual(
				Array(outcomes.filter((o) => o !== 'booked').length).fill('23P01')
			);
			expect(outcomes.filter((o) => o !== 'booked').length).toBeGreaterThanOrEqual(1);
		}
		expect(await overlaps()).toBe(0);
	});

	it('never refuses different clinicians booked at the same time', async () => {
		expect.hasAssertions();
		const outcomes = await withClients((clients) =>
			Promise.all(
				clients.map((c, i) =>
					book(c, { clinician: doctors[i], start: '2030-03-06T14:00:00Z', minutes: 20 })
				)
			)
		);
		expect(outcomes).toEqual(Array(CONNECTIONS).fill('booked'));
		expect(await overlaps()).toBe(0);
	});
});
