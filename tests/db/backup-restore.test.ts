/**
 * `npm run stack:backup` / `stack:restore` (docs/operations.md): a runtime of its own gets a new
 * patient and a clinic logo, is backed up, and the archive is restored into a fresh data folder on
 * other ports. The restored runtime has the patients, the logo's bytes, the keys (the same
 * publishable key signs people in), hosted's privilege shape, and clinic isolation intact.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD, demo } from '../support/demo.ts';
import { privateStack } from './private-stack.ts';

const CLINIC_A = 'a0a0a0a0-0000-4000-8000-000000000001';
const CLINIC_B = 'b0b0b0b0-0000-4000-8000-000000000002';
// a 1×1 PNG
const LOGO = Buffer.from(
	'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
	'base64'
);

const source = privateStack('backup-src', 1200);
const target = privateStack('backup-dst', 1300);
const archive = join(source.dir, 'stack.tar.gz');

async function signIn(stack: typeof source, email: string): Promise<SupabaseClient> {
	const keys = JSON.parse(readFileSync(join(stack.dataDir, 'keys.json'), 'utf8')) as {
		publishableKey: string;
	};
	const client = createClient(`http://127.0.0.1:${stack.ports.api}`, keys.publishableKey, {
		auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false }
	});
	const { error } = await client.auth.signInWithPassword({ email, password: DEMO_PASSWORD });
	if (error) throw error;
	return client;
}

let patientId: string;
let sourcePatients: { a: number; b: number };

beforeAll(async () => {
	const started = source.cli('start');
	expect(started.status, started.out).toBe(0);

	const reception = await signIn(source, demo.receptionA);
	const { data: patient, error } = await reception
		.from('patients')
		.insert({ given_name: 'Backup', family_name: 'Survivor', date_of_birth: '1980-02-03' })
		.select('id')
		.single();
	expect(error).toBeNull();
	patientId = patient!.id;

	const admin = await signIn(source, demo.adminA);
	const upload = await admin.storage
		.from('branding')
		.upload(`clinic-a/logo.png`, LOGO, { contentType: 'image/png', upsert: true });
	expect(upload.error).toBeNull();

	const counts = await source.query(
		`select count(*) filter (where organization_id = $1)::int as a,
		        count(*) filter (where organization_id = $2)::int as b from public.patients`,
		[CLINIC_A, CLINIC_B]
	);
	sourcePatients = counts.rows[0];

	const backup = source.cli(['backup', archive]);
	expect(backup.status, backup.out).toBe(0);
	expect(existsSync(archive)).toBe(true);
	expect(source.cli('stop').status).toBe(0);

	const restored = target.cli(['restore', archive]);
	expect(restored.status, restored.out).toBe(0);
}, 600_000);

afterAll(() => {
	source.cli('stop');
	target.cli('stop');
	source.remove();
	target.remove();
});

describe('backup and restore of the local runtime', () => {
	it('restores every patient, and clinic A staff find the new one', async () => {
		const counts = await target.query(
			`select count(*) filter (where organization_id = $1)::int as a,
			        count(*) filter (where organization_id = $2)::int as b from public.patients`,
			[CLINIC_A, CLINIC_B]
		);
		expect(counts.rows[0]).toEqual(sourcePatients);
		const doctor = await signIn(target, demo.doctorA);
		const { data, error } = await doctor
			.from('patients')
			.select('given_name, family_name, mrn')
			.eq('id', patientId);
		expect(error).toBeNull();
		expect(data).toEqual([
			{ given_name: 'Backup', family_name: 'Survivor', mrn: expect.any(String) }
		]);
	});

	it('keeps clinics apart: clinic B sees none of clinic A’s patients and cannot write its logo', async () => {
		const doctorB = await signIn(target, demo.doctorB);
		const mine = await doctorB.from('patients').select('organization_id');
		expect(mine.error).toBeNull();
		expect(mine.data!.length).toBe(sourcePatients.b);
		expect(mine.data!.every((p) => p.organization_id === CLINIC_B)).toBe(true);
		const theirs = await doctorB.from('patients').select('id').eq('id', patientId);
		expect(theirs.data).toEqual([]);

		const adminB = await signIn(target, demo.adminB);
		const overwrite = await adminB.storage
			.from('branding')
			.upload(`clinic-a/logo.png`, Buffer.from('not a logo'), {
				contentType: 'image/png',
				upsert: true
			});
		expect(overwrite.error).not.toBeNull();
	});

	it('serves the logo’s bytes from the restored Storage', async () => {
		const res = await fetch(
			`http://127.0.0.1:${target.ports.api}/storage/v1/object/public/branding/clinic-a/logo.png`
		);
		expect(res.status).toBe(200);
		expect(Buffer.from(await res.arrayBuffer()).equals(LOGO)).toBe(true);
	});

	it('restores roles in hosted Supabase’s shape, and the same keys', async () => {
		const { rows } = await target.query(
			`select rolsuper, rolbypassrls, pg_has_role('postgres', 'supabase_auth_admin', 'member') as auth_member
			   from pg_roles where rolname = 'postgres'`
		);
		expect(rows[0]).toEqual({ rolsuper: false, rolbypassrls: true, auth_member: false });
		expect(readFileSync(join(target.dataDir, 'keys.json'), 'utf8')).toBe(
			readFileSync(join(source.dataDir, 'keys.json'), 'utf8')
		);
	});

	it('refuses to overwrite a data folder that holds a database unless told to', () => {
		const again = target.cli(['restore', archive]);
		expect(again.status).toBe(1);
		expect(again.out).toContain('--replace');
	});
});
