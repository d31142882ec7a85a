import { fail } from '@sveltejs/kit';
import { message, superValidate, withFiles } from 'sveltekit-superforms';
import { zod4 } from 'sveltekit-superforms/adapters';
import { z } from 'zod';
import { brandingSchema, buttonSchema, LOGO_MAX_BYTES, logoPathSchema } from '$lib/schemas/admin';
import { getBranding, saveBranding, setLogo, uploadLogo } from '$lib/server/admin/branding';
import { requireClinicAdmin } from '$lib/server/admin/guard';
import { failForm } from '$lib/server/refusals';
import { logoUrl } from '$lib/server/tenant';
import type { Actions, PageServerLoad } from './$types';

const uploadSchema = z.object({
	logo: z
		.instanceof(File, { error: 'Choose an image.' })
		.refine((f) => f.size > 0, { error: 'Choose an image.' })
		.refine((f) => f.size <= LOGO_MAX_BYTES, { error: 'The image is larger than 2 MiB.' })
});

export const load: PageServerLoad = async ({ locals, parent }) => {
	const { organizationId, branding } = await parent();
	const org = await getBranding({ supabase: locals.supabase, organizationId });
	return {
		// logos live under the clinic's slug (never its id, which the public logo URL would show)
		logoFolder: branding.slug,
		logoUrl: org?.logo_path ? logoUrl(org.logo_path) : null,
		form: await superValidate(
			{
				name: org?.name ?? '',
				themeColor: org?.theme_color ?? '#0f766e',
				signInMessage: org?.sign_in_message ?? ''
			},
			zod4(brandingSchema),
			{ id: 'branding' }
		),
		uploadForm: await superValidate(zod4(uploadSchema), { id: 'upload' }),
		removeForm: await superValidate(zod4(buttonSchema), { id: 'remove-logo' })
	};
};

export const actions: Actions = {
	save: async ({ request, locals, url }) => {
		const form = await superValidate(request, zod4(brandingSchema), { id: 'branding' });
		if (!form.valid) return fail(400, { form });
		const admin = await requireClinicAdmin({ locals, url });
		const result = await saveBranding({
			supabase: locals.supabase,
			organizationId: admin.organizationId,
			...form.data
		});
		if (!result.ok) return failForm(form, result);
		return message(form, 'Saved. The sign-in page shows it now.');
	},

	/** Without JavaScript: the file comes through this action and is streamed to Storage. */
	upload: async ({ request, locals, url }) => {
		const form = await superValidate(request, zod4(uploadSchema), { id: 'upload' });
		if (!form.valid) return fail(400, withFiles({ form }));
		const admin = await requireClinicAdmin({ locals, url });
		const folder = locals.branding?.slug ?? '';
		const uploaded = await uploadLogo({
			supabase: locals.supabase,
			folder,
			file: form.data.logo
		});
		const set = uploaded.ok
			? await setLogo({
					supabase: locals.supabase,
					organizationId: admin.organizationId,
					folder,
					logoPath: uploaded.path,
					field: 'logo'
				})
			: uploaded;
		if (!set.ok) return failForm(form, set);
		return message(withFiles(form), 'Logo updated.');
	},

	/** With JavaScript: the browser uploaded the file to Storage itself (with progress). */
	useLogo: async ({ request, locals, url }) => {
		const form = await superValidate(request, zod4(logoPathSchema), { id: 'use-logo' });
		if (!form.valid) return fail(400, { form });
		const admin = await requireClinicAdmin({ locals, url });
		const set = await setLogo({
			supabase: locals.supabase,
			organizationId: admin.organizationId,
			folder: locals.branding?.slug ?? '',
			logoPath: form.data.logoPath,
			field: 'logoPath'
		});
		if (!set.ok) return failForm(form, set);
		return message(form, 'Logo updated.');
	},

	removeLogo: async ({ request, locals, url }) => {
		const form = await superValidate(request, zod4(buttonSchema), { id: 'remove-logo' });
		const admin = await requireClinicAdmin({ locals, url });
		const set = await setLogo({
			supabase: locals.supabase,
			organizationId: admin.organizationId,
			folder: locals.branding?.slug ?? '',
			logoPath: null,
			field: ''
		});
		if (!set.ok) return failForm(form, set);
		return message(form, 'Logo removed.');
	}
};
