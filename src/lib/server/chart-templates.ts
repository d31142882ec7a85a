/**
 * Note templates of a clinic (`note_templates`): clinic admins write them in the admin console,
 * doctors and nurses start visit notes from the active ones. RLS decides (admins write; admins,
 * doctors and nurses read), the table's trigger sets who created one.
 */
import type { Db } from './db';
import type { z } from 'zod';
import type { noteTemplateSchema } from '$lib/schemas/clinical';
import { DONE, updateById, refusalOf, refuse, type Result } from './refusals';
import { readOrThrow } from './reads';

/** Every template of the clinic, active ones first, by name. */
export async function listNoteTemplates({ supabase }: { supabase: Db }) {
	const data = await readOrThrow(
		'note_templates',
		supabase
			.from('note_templates')
			.select('id, name, body, active, updated_at')
			.order('active', { ascending: false })
			.order('name')
			.limit(200)
	);
	return data;
}

const RULES = {
	fields: { name: 'name', body: 'body', note_templates_organization_id_name_key: 'name' },
	action: 'manage note templates'
} as const;

/** Adds a template, or changes one (with `id`). A name is used once per clinic. */
export async function saveNoteTemplate({
	supabase,
	input
}: {
	supabase: Db;
	input: z.infer<typeof noteTemplateSchema>;
}): Promise<Result> {
	const values = { name: input.name, body: input.body, active: input.active };
	if (!input.id) {
		const { error } = await supabase.from('note_templates').insert(values);
		if (!error) return DONE;
		if (error.code === '23505')
			return refuse('A template of this clinic already has this name.', {
				field: 'name',
				status: 409
			});
		return refusalOf(error, RULES);
	}
	const r = await updateById(supabase, 'note_templates', input.id, values, {
		...RULES,
		none: refuse('This template is not one of this clinic.', { status: 404 })
	});
	if (!r.ok && r.status === 409)
		return refuse('A template of this clinic already has this name.', {
			field: 'name',
			status: 409
		});
	return r.ok ? DONE : r;
}
