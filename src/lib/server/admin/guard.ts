/**
 * Form actions run before any load function, so the admin layout's check does not cover them:
 * every admin action calls this first. RLS still decides what the database accepts.
 */
import { error } from '@sveltejs/kit';
import { actingMember } from '../active-organization';

export interface AdminContext {
	userId: string;
	organizationId: string;
	slug: string;
	origin: string;
}

export async function requireClinicAdmin({
	locals,
	url
}: {
	locals: App.Locals;
	url: URL;
}): Promise<AdminContext> {
	if (!locals.branding) error(404, 'Not found');
	const acting = await actingMember(locals);
	if (!acting.ok) error(acting.status, acting.message);
	if (acting.member.role !== 'admin') error(403, 'Only clinic administrators can do this.');
	return {
		userId: acting.userId,
		organizationId: acting.member.organization_id,
		slug: acting.member.slug,
		// the address this clinic was reached at (subdomain or custom domain)
		origin: url.origin
	};
}
