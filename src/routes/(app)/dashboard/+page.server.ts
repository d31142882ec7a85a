import { loadDashboard } from '$lib/server/dashboard';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, parent }) => {
	// The layout makes this host's clinic the active one first; the dashboard reads that clinic.
	const { role } = await parent();
	return { dashboard: await loadDashboard({ supabase: locals.supabase, role }) };
};
