import { todayIn } from '$lib/format';
import { loadDashboard } from '$lib/server/dashboard';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, parent }) => {
	// The layout makes this host's clinic the active one first; the dashboard reads that clinic,
	// and its "today" is the clinic's day in the clinic's time zone.
	const { role, user, timeZone } = await parent();
	return {
		dashboard: await loadDashboard({
			supabase: locals.supabase,
			role,
			userId: user.id,
			today: todayIn(timeZone),
			timeZone
		})
	};
};
