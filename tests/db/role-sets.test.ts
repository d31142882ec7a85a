/**
 * Role sets are defined once, in SQL: `private.<name>_roles()` (supabase/migrations/
 * 20261124100100_create_tenancy.sql), asked by every policy, trigger and definer function. The
 * portal mirrors them to decide what to offer: `ROLE_SETS` and `ROLES` in src/lib/roles.ts, the
 * chart's `CHART_PERMISSIONS` ($lib/schemas/clinical) and `PATIENT_EDITOR_ROLES`
 * ($lib/schemas/patient). This test reads the sets from the migrated
 * database and fails when a mirror differs: a set added, removed or changed on one side only, a new
 * role, or a chart permission that no longer matches the set the database enforces it with.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { adminDb } from '../support/stack.ts';
import { ROLES, ROLE_SETS, type Role, type RoleSet } from '../../src/lib/roles.ts';
import { CHART_PERMISSIONS, type ChartPermission } from '../../src/lib/schemas/clinical.ts';
import { PATIENT_EDITOR_ROLES } from '../../src/lib/schemas/patient.ts';

let db: pg.Client;
const sqlSets = new Map<string, string[]>();
let sqlRoles: string[] = [];

beforeAll(async () => {
	db = adminDb();
	await db.connect();
	// every role set by convention: private.<name>_roles(), no arguments, returning member_role[]
	const { rows: fns } = await db.query<{ name: string }>(
		`select p.proname as name
		   from pg_catalog.pg_proc p
		   join pg_catalog.pg_namespace n on n.oid = p.pronamespace
		  where n.nspname = 'private'
		    and p.proname like '%\\_roles'
		    and p.pronargs = 0
		    and p.prorettype = 'public.member_role[]'::regtype
		  order by 1`
	);
	for (const { name } of fns) {
		const { rows } = await db.query<{ roles: string[] }>(
			`select coalesce(array(select unnest(private.${name}())::text order by 1), '{}') as roles`
		);
		sqlSets.set(name, rows[0].roles);
	}
	const { rows } = await db.query<{ roles: string[] }>(
		`select array(select unnest(enum_range(null::public.member_role))::text) as roles`
	);
	sqlRoles = rows[0].roles;
});

afterAll(async () => {
	await db?.end();
});

const sorted = (roles: readonly string[]) => [...roles].sort();

describe('role sets: the SQL definitions and their TypeScript mirror', () => {
	it('ROLES lists the member_role enum, in its order', () => {
		expect([...ROLES]).toEqual(sqlRoles);
	});

	it('the database has role sets to compare with (the convention still finds them)', () => {
		expect(sqlSets.size).toBeGreaterThanOrEqual(10);
		expect(sqlSets.get('lab_reader_roles')).toEqual(['admin', 'doctor', 'lab_technician', 'nurse']);
	});

	it('ROLE_SETS names exactly the SQL role sets', () => {
		expect(Object.keys(ROLE_SETS).sort()).toEqual([...sqlSets.keys()].sort());
	});

	for (const [name, roles] of Object.entries(ROLE_SETS)) {
		it(`ROLE_SETS.${name} has the members of private.${name}()`, () => {
			expect(sorted(roles)).toEqual(sqlSets.get(name));
		});
	}
});

/**
 * Which set the database enforces each chart permission with. `read: true` marks SELECT policies,
 * which also admit a platform admin's read-only support session (the `support` pseudo-role of the
 * chart).
 */
const ENFORCED_BY: Record<ChartPermission, { set: RoleSet; read?: true }> = {
	addVisit: { set: 'care_team_roles' },
	readVisits: { set: 'care_team_roles', read: true },
	changeVisitStatus: { set: 'care_team_roles' },
	writeNotes: { set: 'clinician_roles' },
	readNotes: { set: 'clinical_reader_roles', read: true },
	orderLab: { set: 'clinician_roles' },
	cancelLabOrder: { set: 'clinician_roles' },
	readLabs: { set: 'lab_reader_roles', read: true },
	collectSample: { set: 'lab_worker_roles' },
	recordResult: { set: 'lab_result_roles' },
	readPrescriptions: { set: 'prescription_reader_roles', read: true },
	prescribe: { set: 'prescriber_roles' },
	stopPrescription: { set: 'prescriber_roles' },
	dispense: { set: 'dispenser_roles' },
	readAllergies: { set: 'safety_reader_roles', read: true },
	writeAllergies: { set: 'allergy_writer_roles' },
	readProblems: { set: 'problem_reader_roles', read: true },
	writeProblems: { set: 'clinician_roles' }
};

describe("the portal's permission lists (CHART_PERMISSIONS, PATIENT_EDITOR_ROLES) follow the SQL role sets", () => {
	it('every chart permission names the set that enforces it', () => {
		expect(Object.keys(ENFORCED_BY).sort()).toEqual(Object.keys(CHART_PERMISSIONS).sort());
	});

	for (const [permission, { set, read }] of Object.entries(ENFORCED_BY)) {
		it(`${permission}: private.${set}()${read ? ' plus support sessions' : ''}`, () => {
			const expected = [...(sqlSets.get(set) ?? [])];
			if (read) expected.push('support');
			expect(sorted(CHART_PERMISSIONS[permission as ChartPermission])).toEqual(sorted(expected));
		});
	}

	it('PATIENT_EDITOR_ROLES is private.care_team_roles() (patients_insert/update_registration)', () => {
		expect(sorted(PATIENT_EDITOR_ROLES)).toEqual(sqlSets.get('care_team_roles'));
	});

	it('support is not a database role (it is a support session, never a membership)', () => {
		expect(sqlRoles).not.toContain('support');
		expect(ROLES as readonly string[]).not.toContain('support' as Role);
	});
});
