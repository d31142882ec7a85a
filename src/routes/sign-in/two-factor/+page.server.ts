import { fail, redirect } from '@sveltejs/kit';
import { superValidate } from 'sveltekit-superforms';
import { zod4 } from 'sveltekit-superforms/adapters';
import { codeSchema } from '$lib/schemas/two-factor';
import { safeRedirectPath } from '$lib/server/addresses';
import { failForm } from '$lib/server/refusals';
import { myFactors, verifyCode } from '$lib/server/two-factor';
import { homePath, myRequirementReasons, signInPath } from '$lib/server/two-factor-reasons';
import type { Actions, PageServerLoad } from './$types';

/**
 * The second step of signing in, on clinic addresses and the platform domain alike: a person with
 * an authenticator enters its code; one who has none but must (an admin, a platform admin, staff
 * of a clinic that requires it) is sent to set one up; anyone else carries on.
 */
export const load: PageServerLoad = async ({ locals, url }) => {
	const target = safeRedirectPath(url.searchParams.get('redirectTo'), homePath(locals));
	const claims = await locals.safeGetClaims();
	if (!claims) redirect(303, signInPath(locals, target));
	if (claims.aal === 'aal2') redirect(303, target);
	const { verified } = await myFactors(locals.supabase);
	if (verified.length === 0) {
		if ((await myRequirementReasons(locals, claims)).length > 0) {
			redirect(303, `/account/two-factor/new?redirectTo=${encodeURIComponent(target)}`);
		}
		// nothing requires it any more: a fresh token drops the hook's stale claim
		await locals.supabase.auth.refreshSession();
		redirect(303, target);
	}
	return {
		factors: verified.map((f) => ({ id: f.id, name: f.friendly_name || 'Authenticator app' })),
		form: await superValidate({ factorId: verified[0].id }, zod4(codeSchema), { errors: false }),
		signOutAction: locals.tenant.kind === 'platform' ? '/platform/sign-out' : '/sign-out'
	};
};

export const actions: Actions = {
	default: async ({ request, locals, url }) => {
		const form = await superValidate(request, zod4(codeSchema));
		if (!form.valid) return fail(400, { form });
		const target = safeRedirectPath(url.searchParams.get('redirectTo'), homePath(locals));
		if (!(await locals.safeGetClaims())) redirect(303, signInPath(locals, target));
		const result = await verifyCode({ supabase: locals.supabase, ...form.data });
		if (!result.ok) return failForm(form, result);
		redirect(303, target);
	}
};
