import { redirect } from '@sveltejs/kit';
import { homePath, signInPath } from '$lib/server/two-factor-reasons';
import type { LayoutServerLoad } from './$types';

/**
 * The signed-in person's own account (two-factor sign-in), on a clinic's address or the platform
 * domain. Exists so client-side navigation always reaches the server's checks; the hook sends a
 * session that still owes its second factor to the code step first (except to enrol).
 */
export const load: LayoutServerLoad = async ({ locals, url }) => {
	const claims = await locals.safeGetClaims();
	if (!claims) redirect(303, signInPath(locals, url.pathname + url.search));
	return {
		account: { email: claims.email ?? '' },
		home: homePath(locals),
		signOutAction: locals.tenant.kind === 'platform' ? '/platform/sign-out' : '/sign-out'
	};
};
