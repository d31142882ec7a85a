/** Demo clinics and logins from supabase/seed.sql (also listed in the README). */
export const DEMO_PASSWORD = 'Demo-password-1';

export const CLINIC_A = { slug: 'clinic-a', name: 'Riverside Family Clinic' };
export const HOSPITAL = { slug: 'city-hospital', name: 'City General Hospital' };

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
