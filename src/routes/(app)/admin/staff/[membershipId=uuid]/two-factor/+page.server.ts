import { loadMemberStep, memberStepAction } from '$lib/server/admin/member-step';
import { resetMemberTwoFactor } from '$lib/server/admin/two-factor';
import type { Actions, PageServerLoad } from './$types';

/** The confirmation step before resetting a staff member's two-factor sign-in (works without JavaScript). */
export const load: PageServerLoad = async (event) => {
	const step = await loadMemberStep(event);
	return { ...step, hasTwoFactor: step.member.twoFactor };
};

export const actions: Actions = {
	default: (event) => memberStepAction(event, resetMemberTwoFactor, 'two-factor-reset')
};
