import type { LayoutServerLoad } from './$types';

export const load: LayoutServerLoad = async ({ locals }) => {
	return { claims: await locals.safeGetClaims(), tenant: locals.tenant };
};
