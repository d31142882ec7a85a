import { describe, expect, it } from 'vitest';
import { inRoleSet, ROLE_SETS, ROLES, roleLabel } from './roles';

describe('ROLE_SETS', () => {
	it('holds only database roles, each set non-empty and without repeats', () => {
		for (const roles of Object.values(ROLE_SETS)) {
			expect(roles.length).toBeGreaterThan(0);
			expect(new Set(roles).size).toBe(roles.length);
			for (const role of roles) expect(ROLES).toContain(role);
		}
	});
});

describe('inRoleSet', () => {
	it('answers membership of a named set, and no for no role', () => {
		expect(inRoleSet('receptionist', 'care_team_roles')).toBe(true);
		expect(inRoleSet('receptionist', 'clinical_reader_roles')).toBe(false);
		expect(inRoleSet('pharmacist', 'dispenser_roles')).toBe(true);
		expect(inRoleSet(null, 'admin_roles')).toBe(false);
		expect(inRoleSet('support', 'lab_reader_roles')).toBe(false);
	});
});

describe('roleLabel', () => {
	it('reads a role as people say it and leaves unknown values alone', () => {
		expect(roleLabel('lab_technician')).toBe('Lab technician');
		expect(roleLabel('owner')).toBe('owner');
	});
});
