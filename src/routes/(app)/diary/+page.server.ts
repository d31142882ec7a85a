import { error } from '@sveltejs/kit';
import { todayIn } from '$lib/format';
import { inRoleSet } from '$lib/roles';
import { diaryQuerySchema } from '$lib/schemas/diary';
import { loadDiary } from '$lib/server/diary';
import type { PageServerLoad } from './$types';

/**
 * The diary: `?day=YYYY-MM-DD&view=day|week&clinician=<id>|all`, rendered on the server as a list
 * (works without JavaScript and on a phone); the calendar takes over on wide screens in the browser.
 * Clinicians open their own day, everyone else the whole clinic.
 */
export const load: PageServerLoad = async ({ locals, parent, url }) => {
	const { role, user, organizationId, timeZone } = await parent();
	if (!inRoleSet(role, 'care_team_roles') && role !== 'support') {
		error(
			403,
			'The diary is kept by the care team: administrators, doctors, nurses and receptionists.'
		);
	}
	const query = diaryQuerySchema.parse(Object.fromEntries(url.searchParams));
	const today = todayIn(timeZone);
	const diary = await loadDiary({
		supabase: locals.supabase,
		organizationId,
		timeZone,
		query,
		today,
		defaultClinician: inRoleSet(role, 'clinician_roles') ? user.id : null
	});
	return {
		diary,
		today,
		canWrite: inRoleSet(role, 'care_team_roles'),
		booked: url.searchParams.get('booked')
	};
};
