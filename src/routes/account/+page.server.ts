import { myFactors } from '$lib/server/two-factor';
import { myRequirementReasons, signedInClaims } from '$lib/server/two-factor-reasons';
import type { PageServerLoad } from './$types';

/** The person's authenticators and why two-factor sign-in is required of them, if it is. */
export const load: PageServerLoad = async ({ locals, url }) => {
	const claims = await signedInClaims(locals, url);
	const [{ verified }, reasons] = await Promise.all([
		myFactors(locals.supabase),
		myRequirementReasons(locals, claims)
	]);
	return {
		factors: verified.map((f) => ({
			id: f.id,
			name: f.friendly_name || 'Authenticator app',
			createdAt: f.created_at
		})),
		reasons,
		notice: url.searchParams.get('notice')
	};
};
