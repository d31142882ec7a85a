import { fail, redirect } from '@sveltejs/kit';
import { message, superValidate } from 'sveltekit-superforms';
import { zod4 } from 'sveltekit-superforms/adapters';
import { changeRoleSchema, invitationIdSchema, inviteSchema } from '$lib/schemas/admin';
import { requireClinicAdmin } from '$lib/server/admin/guard';
import {
	changeRole,
	invite,
	resendInvitation,
	revokeInvitation,
	staffPage
} from '$lib/server/admin/staff';
import { failForm } from '$lib/server/refusals';
import type { Actions, PageServerLoad } from './$types';

/**
 * Every action answers a failure the same way, `{ form }` (superforms finds each form by its id):
 * the invitation form, a row's role form, or a resend/revoke button of an invitation.
 */
export const load: PageServerLoad = async ({ locals, parent, url }) => {
	const { organizationId, user } = await parent();
	// one request: the staff, their two-factor status (a computed field), invitations and seats
	const { staff, invitations, seats } = await staffPage({
		supabase: locals.supabase,
		organizationId,
		selfId: user.id
	});
	const roleForms = await Promise.all(
		staff.map((m) =>
			superValidate({ membershipId: m.membershipId, role: m.role }, zod4(changeRoleSchema), {
				id: `role-${m.membershipId}`,
				errors: false
			})
		)
	);
	return {
		staff,
		twoFactor: Object.fromEntries(staff.map((m) => [m.membershipId, m.twoFactor])),
		invitations,
		seats,
		roleForms,
		notice: url.searchParams.get('notice'),
		inviteForm: await superValidate(zod4(inviteSchema), { id: 'invite' })
	};
};

export const actions: Actions = {
	invite: async ({ request, locals, url }) => {
		const form = await superValidate(request, zod4(inviteSchema), { id: 'invite' });
		if (!form.valid) return fail(400, { form });
		const admin = await requireClinicAdmin({ locals, url });
		const result = await invite({
			supabase: locals.supabase,
			organizationId: admin.organizationId,
			email: form.data.email,
			role: form.data.role,
			fullName: form.data.fullName,
			clinicOrigin: admin.origin
		});
		if (!result.ok) return failForm(form, result);
		return message(form, `Invitation sent to ${form.data.email}.`);
	},

	changeRole: async ({ request, locals, url }) => {
		const form = await superValidate(request, zod4(changeRoleSchema));
		if (!form.valid) return fail(400, { form });
		await requireClinicAdmin({ locals, url });
		const result = await changeRole({ supabase: locals.supabase, ...form.data });
		if (!result.ok) return failForm(form, result);
		return message(form, 'Role updated.');
	},

	resend: async ({ request, locals, url }) => {
		const form = await superValidate(request, zod4(invitationIdSchema));
		if (!form.valid) return fail(400, { form });
		const admin = await requireClinicAdmin({ locals, url });
		const result = await resendInvitation({
			supabase: locals.supabase,
			invitationId: form.data.invitationId,
			clinicOrigin: admin.origin
		});
		if (!result.ok) return failForm(form, result);
		redirect(303, '/admin/staff?notice=resent');
	},

	revoke: async ({ request, locals, url }) => {
		const form = await superValidate(request, zod4(invitationIdSchema));
		if (!form.valid) return fail(400, { form });
		await requireClinicAdmin({ locals, url });
		const result = await revokeInvitation({
			supabase: locals.supabase,
			invitationId: form.data.invitationId
		});
		if (!result.ok) return failForm(form, result);
		redirect(303, '/admin/staff?notice=revoked');
	}
};
