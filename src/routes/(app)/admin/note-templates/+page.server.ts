import { fail, redirect } from '@sveltejs/kit';
import { superValidate } from 'sveltekit-superforms';
import { zod4 } from 'sveltekit-superforms/adapters';
import { noteTemplateSchema } from '$lib/schemas/clinical';
import { requireClinicAdmin } from '$lib/server/admin/guard';
import { listNoteTemplates, saveNoteTemplate } from '$lib/server/chart-templates';
import { failForm } from '$lib/server/refusals';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, url }) => {
	const templates = await listNoteTemplates({ supabase: locals.supabase });
	const editing = templates.find((t) => t.id === url.searchParams.get('edit'));
	return {
		templates,
		editing: editing?.id ?? null,
		saved: url.searchParams.get('saved') === '1',
		form: await superValidate(
			editing
				? { id: editing.id, name: editing.name, body: editing.body, active: editing.active }
				: {},
			zod4(noteTemplateSchema),
			{ id: 'note-template', errors: false }
		)
	};
};

export const actions: Actions = {
	save: async ({ request, locals, url }) => {
		const form = await superValidate(request, zod4(noteTemplateSchema), { id: 'note-template' });
		if (!form.valid) return fail(400, { form });
		await requireClinicAdmin({ locals, url });
		const result = await saveNoteTemplate({ supabase: locals.supabase, input: form.data });
		if (!result.ok) return failForm(form, result);
		redirect(303, '/admin/note-templates?saved=1');
	}
};
