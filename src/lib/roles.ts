/** Staff roles of a clinic, as the database names them (`public.member_role`), and how people read them. */
export const ROLES = [
	'admin',
	'doctor',
	'nurse',
	'receptionist',
	'lab_technician',
	'pharmacist'
] as const;
export type Role = (typeof ROLES)[number];

/**
 * Who may do what, named once in SQL: each set is `private.<name>()` in
 * `supabase/migrations/20261124100100_create_tenancy.sql`, and every policy, trigger and definer
 * function asks one of them (docs/permissions.md is the matrix they produce). The portal uses this
 * copy to decide what to offer; `tests/db/role-sets.test.ts` reads the sets from the migrated
 * database and fails when this copy differs, so change both together.
 */
export const ROLE_SETS = {
	/** Run the clinic: staff, invitations, settings, branding, custom fields, audit trail, exports, billing. */
	admin_roles: ['admin'],
	/** Register and edit patients; read, book, reschedule, start, complete and cancel visits. */
	care_team_roles: ['admin', 'doctor', 'nurse', 'receptionist'],
	/** Read visit notes and vitals. */
	clinical_reader_roles: ['admin', 'doctor', 'nurse'],
	/** Write visit notes and vitals, order lab tests and change what was ordered. */
	clinician_roles: ['doctor', 'nurse'],
	/** Read lab orders and results. */
	lab_reader_roles: ['admin', 'doctor', 'nurse', 'lab_technician'],
	/** Work lab orders (collect samples, cancel). */
	lab_worker_roles: ['doctor', 'nurse', 'lab_technician'],
	/** Record lab results. */
	lab_result_roles: ['doctor', 'lab_technician'],
	/** Read prescriptions. */
	prescription_reader_roles: ['admin', 'doctor', 'nurse', 'pharmacist'],
	/** Prescribe, amend and stop prescriptions. */
	prescriber_roles: ['doctor'],
	/** Dispense prescriptions (record each fill: who, when, quantity). */
	dispenser_roles: ['pharmacist'],
	/** Read allergies and intolerances (and a recorded "no known allergies"). */
	safety_reader_roles: ['admin', 'doctor', 'nurse', 'lab_technician', 'pharmacist'],
	/** Record, correct and retire allergies; record or retract "no known allergies". */
	allergy_writer_roles: ['doctor', 'nurse', 'pharmacist'],
	/** Read the problem list (diagnoses). */
	problem_reader_roles: ['admin', 'doctor', 'nurse', 'pharmacist']
} as const satisfies Record<string, readonly Role[]>;
export type RoleSet = keyof typeof ROLE_SETS;

/** Whether `role` belongs to the named set (false for no role). */
export function inRoleSet(role: string | null | undefined, set: RoleSet): boolean {
	return (ROLE_SETS[set] as readonly string[]).includes(role ?? '');
}

const LABELS: Record<Role, string> = {
	admin: 'Administrator',
	doctor: 'Doctor',
	nurse: 'Nurse',
	receptionist: 'Receptionist',
	lab_technician: 'Lab technician',
	pharmacist: 'Pharmacist'
};

export function roleLabel(role: string): string {
	return LABELS[role as Role] ?? role;
}
