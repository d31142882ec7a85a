import { loadMemberStep, memberStepAction } from '$lib/server/admin/member-step';
import { removeMember } from '$lib/server/admin/staff';
import type { Actions, PageServerLoad } from './$types';

/** The confirmation step before removing someone (works without JavaScript). */
export const load: PageServerLoad = (event) => loadMemberStep(event);

export const actions: Actions = {
	default: (event) => memberStepAction(event, removeMember, 'removed')
};
