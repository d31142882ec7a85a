import { redirect } from '@sveltejs/kit';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, url }) => {
	// A clinic's own address goes to its portal (or its sign-in); the platform domain shows the finder.
	if (locals.tenant.kind === 'clinic') {
		redirect(303, (await locals.safeGetClaims()) ? '/dashboard' : '/sign-in');
	}
	// the outcome of an e-mail link Auth built on its site URL (/auth/confirm on this domain)
	return { notice: url.searchParams.get('notice') };
};
