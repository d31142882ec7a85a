import { fail, redirect } from '@sveltejs/kit';
import { superValidate } from 'sveltekit-superforms';
import { zod4 } from 'sveltekit-superforms/adapters';
import { clinicOrigin } from '$lib/server/addresses';
import { clinicDetail } from '$lib/server/platform/clinics';
import { requirePlatformAdmin } from '$lib/server/platform/guard';
import { failForm } from '$lib/server/refusals';
import {
	activeSupportAccess,
	endSupportAccess,
	startSupportAccess,
	startSupportSchema,
	SUPPORT_MINUTES,
	supportHandoffCode
} from '$lib/server/platform/support';
import type { Actions, PageServerLoad } from './$types';

// Read-only support access to one clinic: a reason and a time limit, then the session is carried
// to the clinic's address (a page, so it works without JS).
export const load: PageServerLoad = async ({ locals, url, params }) => {
	await requirePlatformAdmin({ locals, url });
	const id = params.id;
	const detail = await clinicDetail({ supabase: locals.supabase, organizationId: id });
	const access = await activeSupportAccess({ supabase: locals.supabase });
	return {
		clinic: detail.clinic,
		access: access && access.organization_id === id ? access : null,
		minuteChoices: SUPPORT_MINUTES,
		form: await superValidate({ minutes: 30 }, zod4(startSupportSchema), { errors: false }),
		notice: url.searchParams.get('notice')
	};
};

export const actions: Actions = {
	start: async ({ request, locals, url, params }) => {
		await requirePlatformAdmin({ locals, url });
		const id = params.id;
		const form = await superValidate(request, zod4(startSupportSchema));
		if (!form.valid) return fail(400, { form });
		const started = await startSupportAccess({
			supabase: locals.supabase,
			organizationId: id,
			input: form.data
		});
		if (!started.ok) return failForm(form, started);
		redirect(303, `/platform/clinics/${id}/support?notice=started`);
	},
	/** Carries the platform admin's session to the clinic's address while the grant is live. */
	enter: async ({ locals, url, params }) => {
		await requirePlatformAdmin({ locals, url });
		const id = params.id;
		const access = await activeSupportAccess({ supabase: locals.supabase });
		if (!access || access.organization_id !== id)
			redirect(303, `/platform/clinics/${id}/support?notice=no-access`);
		const code = await supportHandoffCode({ supabase: locals.supabase, slug: access.slug });
		if (!code) redirect(303, `/platform/clinics/${id}/support?notice=no-access`);
		redirect(
			303,
			`${clinicOrigin(access.slug, url)}/auth/handoff?code=${encodeURIComponent(code)}`
		);
	},
	end: async ({ locals, url, params }) => {
		await requirePlatformAdmin({ locals, url });
		const id = params.id;
		await endSupportAccess({ supabase: locals.supabase });
		redirect(303, `/platform/clinics/${id}/support?notice=ended`);
	}
};
