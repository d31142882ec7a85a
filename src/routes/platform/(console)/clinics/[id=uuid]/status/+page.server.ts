import { fail, redirect } from '@sveltejs/kit';
import { superValidate } from 'sveltekit-superforms';
import { zod4 } from 'sveltekit-superforms/adapters';
import { suspendClinicSchema } from '$lib/schemas/platform';
import { clinicDetail, setClinicStatus } from '$lib/server/platform/clinics';
import { requirePlatformAdmin } from '$lib/server/platform/guard';
import type { Actions, PageServerLoad } from './$types';

// The confirmation step of suspending or reactivating a clinic (a page, so it works without JS).
export const load: PageServerLoad = async ({ locals, url, params }) => {
	await requirePlatformAdmin({ locals, url });
	const detail = await clinicDetail({
		supabase: locals.supabase,
		organizationId: params.id
	});
	return { clinic: detail.clinic, form: await superValidate(zod4(suspendClinicSchema)) };
};

async function change(
	status: 'active' | 'suspended',
	{ request, locals, url, params }: Parameters<Actions[string]>[0]
) {
	await requirePlatformAdmin({ locals, url });
	const form = await superValidate(request, zod4(suspendClinicSchema));
	if (!form.valid) return fail(400, { form });
	const id = params.id;
	await setClinicStatus({
		supabase: locals.supabase,
		organizationId: id,
		status,
		reason: form.data.reason
	});
	redirect(
		303,
		`/platform/clinics/${id}?notice=${status === 'suspended' ? 'suspended' : 'reactivated'}`
	);
}

export const actions: Actions = {
	suspend: (event) => change('suspended', event),
	reactivate: (event) => change('active', event)
};
