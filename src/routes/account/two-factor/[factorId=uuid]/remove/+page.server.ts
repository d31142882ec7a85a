import { error, fail, redirect } from '@sveltejs/kit';
import { superValidate } from 'sveltekit-superforms';
import { zod4 } from 'sveltekit-superforms/adapters';
import { codeSchema } from '$lib/schemas/two-factor';
import { failForm, refuse } from '$lib/server/refusals';
import { myFactors, removeFactor } from '$lib/server/two-factor';
import { myRequirementReasons, signedInClaims } from '$lib/server/two-factor-reasons';
import type { Actions, PageServerLoad } from './$types';

/**
 * Removing an authenticator: confirmed with a fresh code from it. The last one of someone who must
 * use two-factor sign-in stays (they would be asked to set one up again at once).
 */
async function state(locals: App.Locals, url: URL, factorId: string) {
	const claims = await signedInClaims(locals, url);
	const [{ verified }, reasons] = await Promise.all([
		myFactors(locals.supabase),
		myRequirementReasons(locals, claims)
	]);
	const factor = verified.find((f) => f.id === factorId);
	if (!factor) error(404, 'No such authenticator on your account.');
	return { factor, reasons, keep: reasons.length > 0 && verified.length === 1 };
}

export const load: PageServerLoad = async ({ locals, params, url }) => {
	const { factor, reasons, keep } = await state(locals, url, params.factorId);
	return {
		factor: { id: factor.id, name: factor.friendly_name || 'Authenticator app' },
		reasons,
		keep,
		form: await superValidate({ factorId: factor.id }, zod4(codeSchema), { errors: false })
	};
};

export const actions: Actions = {
	default: async ({ request, locals, params, url }) => {
		const form = await superValidate(request, zod4(codeSchema));
		if (!form.valid || form.data.factorId !== params.factorId) return fail(400, { form });
		const { keep } = await state(locals, url, params.factorId);
		if (keep) {
			return failForm(
				form,
				refuse('Two-factor sign-in is required for you: add another authenticator first.', {
					field: 'code',
					status: 409
				})
			);
		}
		const result = await removeFactor({ supabase: locals.supabase, ...form.data });
		if (!result.ok) return failForm(form, result);
		redirect(303, '/account?notice=removed');
	}
};
