import { fail, redirect } from '@sveltejs/kit';
import { superValidate } from 'sveltekit-superforms';
import { zod4 } from 'sveltekit-superforms/adapters';
import { enrolConfirmSchema, enrolStartSchema } from '$lib/schemas/two-factor';
import { safeRedirectPath } from '$lib/server/addresses';
import { failForm } from '$lib/server/refusals';
import {
	myFactors,
	secondFactorStep,
	setupFromUri,
	startEnrolment,
	verifyCode
} from '$lib/server/two-factor';
import { myRequirementReasons, signedInClaims, signInPath } from '$lib/server/two-factor-reasons';
import type { Actions, PageServerLoad } from './$types';

/**
 * Setting up an authenticator app: name it, scan the QR code (or type the secret), confirm with a
 * first code. Reachable before the second factor only for someone who has none yet (the first
 * sign-in of an admin, or of staff whose clinic requires it); with a factor, Auth accepts a new one
 * only from an aal2 session, so the code step comes first.
 */
export const load: PageServerLoad = async ({ locals, url }) => {
	const claims = await signedInClaims(locals, url);
	const [{ verified }, reasons] = await Promise.all([
		myFactors(locals.supabase),
		myRequirementReasons(locals, claims)
	]);
	if (verified.length > 0 && claims.aal !== 'aal2') redirect(303, secondFactorStep(url));
	return {
		reasons,
		firstFactor: verified.length === 0,
		startForm: await superValidate(
			{ friendlyName: verified.length === 0 ? 'Authenticator app' : '' },
			zod4(enrolStartSchema),
			{ id: 'start', errors: false }
		),
		confirmForm: await superValidate(zod4(enrolConfirmSchema), { id: 'confirm' })
	};
};

export const actions: Actions = {
	start: async ({ request, locals, url }) => {
		const form = await superValidate(request, zod4(enrolStartSchema), { id: 'start' });
		if (!form.valid) return fail(400, { form });
		if (!(await locals.safeGetClaims())) redirect(303, signInPath(locals, url.pathname));
		const started = await startEnrolment({
			supabase: locals.supabase,
			friendlyName: form.data.friendlyName
		});
		if (!started.ok) return failForm(form, started);
		return { form, setup: started.setup };
	},

	confirm: async ({ request, locals, url }) => {
		const form = await superValidate(request, zod4(enrolConfirmSchema), { id: 'confirm' });
		const setup = form.data.factorId
			? await setupFromUri(form.data.factorId, form.data.uri ?? '')
			: null;
		if (!setup) return fail(400, { form, setup: null });
		if (!form.valid) return fail(400, { form, setup });
		if (!(await locals.safeGetClaims())) redirect(303, signInPath(locals, url.pathname));
		const verified = await verifyCode({
			supabase: locals.supabase,
			factorId: form.data.factorId,
			code: form.data.code
		});
		if (!verified.ok) {
			failForm(form, verified); // the message next to the code field
			return fail(verified.status, { form, setup });
		}
		redirect(303, safeRedirectPath(url.searchParams.get('redirectTo'), '/account?notice=enrolled'));
	}
};
