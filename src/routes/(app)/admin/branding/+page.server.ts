import { fail } from '@sveltejs/kit';
import { message, setError, superValidate, withFiles } from 'sveltekit-superforms';
import { zod4 } from 'sveltekit-superforms/adapters';
import { z } from 'zod';
import { brandingSchema, LOGO_MAX_BYTES, logoPathSchema } from '$lib/schemas/admin';
import { getBranding, saveBranding, setLogo, uploadLogo } from '$lib/server/admin-console/branding';
import { requireClinicAdmin } from '$lib/server/admin-console/guard';
import { brandingObjectUrl } from '$lib/server/branding';
import type { Actions, PageServerLoad } from './$types';

const uploadSchema = z.object({
	logo: z
		.instanceof(File, { error: 'Choose an image.' })
		.refine((f) => f.size > 0, { error: 'Choose an image.' })
		.refine((f) => f.size <= LOGO_MAX_BYTES, { error: 'The image is larger than 2 MiB.' })
});

export const load: PageServerLoad = async ({ locals, parent }) => {
	const { organizationId } = await parent();
	const org = await getBranding({ supabase: locals.supabase, organizationId });
	return {
		organizationId,
		logoUrl: org?.logo_path ? brandingObjectUrl(org.logo_path) : null,
		form: await superValidate(
			{
				name: org?.name ?? '',
				themeColor: org?.theme_color ?? '#0f766e',
				signInMessage: org?.sign_in_message ?? ''
			},
			zod4(brandingSchema),
			{ id: 'branding' }
		),
		uploadForm: await superValidate(zod4(uploadSchema), { id: 'upload' })
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
		if (!result.ok) return setError(form, 'themeColor', result.message);
		return message(form, 'Saved. The sign-in page shows it now.');
	},

	/** Without JavaScript: the file comes through this action and is streamed to Storage. */
	upload: async ({ request, locals, url }) => {
		const form = await superValidate(request, zod4(uploadSchema), { id: 'upload' });
		if (!form.valid) return fail(400, withFiles({ form }));
		const admin = await requireClinicAdmin({ locals, url });
		const uploaded = await uploadLogo({
			supabase: locals.supabase,
			organizationId: admin.organizationId,
			file: form.data.logo
		});
		if (!uploaded.ok || !uploaded.path)
			return setError(form, 'logo', uploaded.ok ? 'Upload failed.' : uploaded.message);
		const set = await setLogo({
			supabase: locals.supabase,
			organizationId: admin.organizationId,
			logoPath: uploaded.path
		});
		if (!set.ok) return setError(form, 'logo', set.message);
		return message(withFiles(form), 'Logo updated.');
	},

	/** With JavaScript: the browser uploaded the file to Storage itself (with progress). */
	useLogo: async ({ request, locals, url }) => {
		const form = await superValidate(request, zod4(logoPathSchema));
		if (!form.valid) return fail(400, { form });
		const admin = await requireClinicAdmin({ locals, url });
		const set = await setLogo({
			supabase: locals.supabase,
			organizationId: admin.organizationId,
			logoPath: form.data.logoPath
		});
		if (!set.ok) return setError(form, 'logoPath', set.message);
		return message(form, 'Logo updated.');
	},

	removeLogo: async ({ locals, url }) => {
		const admin = await requireClinicAdmin({ locals, url });
		const set = await setLogo({
			supabase: locals.supabase,
			organizationId: admin.organizationId,
			logoPath: null
		});
		if (!set.ok) return fail(400, { removeError: set.message });
		return { removed: true };
	}
};
