import { fail, redirect } from '@sveltejs/kit';
import { superValidate } from 'sveltekit-superforms';
import { zod4 } from 'sveltekit-superforms/adapters';
import { settingsSchema } from '$lib/schemas/platform';
import { requirePlatformAdmin } from '$lib/server/platform/guard';
import { readSettings, updateSettings } from '$lib/server/platform/settings';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, url }) => {
	await requirePlatformAdmin({ locals, url });
	const current = await readSettings({ supabase: locals.supabase });
	return {
		form: await superValidate(
			{
				maintenance_banner: current?.maintenance_banner ?? '',
				session_idle_timeout_minutes: current?.session_idle_timeout_minutes ?? 60
			},
			zod4(settingsSchema)
		),
		notice: url.searchParams.get('notice')
	};
};

export const actions: Actions = {
	save: async ({ request, locals, url }) => {
		await requirePlatformAdmin({ locals, url });
		const form = await superValidate(request, zod4(settingsSchema));
		if (!form.valid) return fail(400, { form });
		await updateSettings({
			supabase: locals.supabase,
			maintenanceBanner: form.data.maintenance_banner,
			idleTimeoutMinutes: form.data.session_idle_timeout_minutes
		});
		redirect(303, '/platform/settings?notice=saved');
	}
};
