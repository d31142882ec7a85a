/**
 * The confirmation pages an admin passes before acting on one staff member (remove, reset
 * two-factor): the member loaded through RLS (another clinic's id is simply not found), and an
 * action that checks the posted id is the page's own, acts, and returns to the staff list with a
 * notice or shows the database's refusal on the form. Both work without JavaScript.
 */
import { error, fail, redirect } from '@sveltejs/kit';
import type { SupabaseClient } from '@supabase/supabase-js';
import { superValidate } from 'sveltekit-superforms';
import { zod4 } from 'sveltekit-superforms/adapters';
import type { Database } from '$lib/database.types';
import { membershipIdSchema } from '$lib/schemas/admin';
import { failForm, type Result } from '../refusals';
import { requireClinicAdmin } from './guard';
import { getMember } from './staff';

interface StepEvent {
	locals: App.Locals;
	params: { membershipId: string };
}

/** The member the page is about (with their two-factor status) and the form naming them. */
export async function loadMemberStep({
	locals,
	params,
	parent
}: StepEvent & { parent: () => Promise<{ user: { id: string } }> }) {
	const { user } = await parent();
	const member = await getMember({
		supabase: locals.supabase,
		membershipId: params.membershipId,
		selfId: user.id
	});
	if (!member) error(404, 'No such staff member at this clinic.');
	return {
		member,
		form: await superValidate({ membershipId: member.membershipId }, zod4(membershipIdSchema))
	};
}

/** Runs `act` on the page's member as the clinic admin; `/admin/staff?notice=<notice>` when done. */
export async function memberStepAction(
	{ request, locals, url, params }: StepEvent & { request: Request; url: URL },
	act: (args: { supabase: SupabaseClient<Database>; membershipId: string }) => Promise<Result>,
	notice: string
) {
	const form = await superValidate(request, zod4(membershipIdSchema));
	if (!form.valid || form.data.membershipId !== params.membershipId) return fail(400, { form });
	await requireClinicAdmin({ locals, url });
	const result = await act({ supabase: locals.supabase, membershipId: form.data.membershipId });
	if (!result.ok) return failForm(form, result);
	redirect(303, `/admin/staff?notice=${notice}`);
}
