/** Demo clinics and logins from supabase/seed.sql (also listed in the README). */
export const DEMO_PASSWORD = 'Demo-password-1';

export const CLINIC_A = { slug: 'clinic-a', name: 'Riverside Family Clinic' };
export const HOSPITAL = { slug: 'city-hospital', name: 'City General Hospital' };

/** Ids of the demo data (supabase/seed.sql) for rows tests and benchmarks write directly. */
export const demoIds = {
	clinicA: 'a0a0a0a0-0000-4000-8000-000000000001',
	doctorA: '00000000-0000-4000-8000-00000000a002',
	nurseA: '00000000-0000-4000-8000-00000000a003',
	receptionA: '00000000-0000-4000-8000-00000000a004',
	labA: '00000000-0000-4000-8000-00000000a005',
	pharmacistA: '00000000-0000-4000-8000-00000000a006',
	doctorB: '00000000-0000-4000-8000-00000000b002',
	platform: '00000000-0000-4000-8000-00000000d001'
} as const;

export const demo = {
	adminA: 'admin@clinic-a.test',
	doctorA: 'doctor@clinic-a.test',
	nurseA: 'nurse@clinic-a.test',
	receptionA: 'reception@clinic-a.test',
	labA: 'lab@clinic-a.test',
	pharmacistA: 'pharmacist@clinic-a.test',
	adminB: 'admin@city-hospital.test',
	doctorB: 'doctor@city-hospital.test',
	receptionB: 'reception@city-hospital.test',
	both: 'both@demo.test',
	platform: 'platform@demo.test'
} as const;
