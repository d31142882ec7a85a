/** Staff roles of a clinic, as the database names them, and how people read them. */
export const ROLES = [
	'admin',
	'doctor',
	'nurse',
	'receptionist',
	'lab_technician',
	'pharmacist'
] as const;
export type Role = (typeof ROLES)[number];

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
