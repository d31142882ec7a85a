/**
 * Form actions run before any load function, so the admin layout's check does not cover them:
 * every admin action calls this first. RLS still decides what the database accepts.
 */
import { error } from '@sveltejs/kit';
import { myOrganizations } from '../session';

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
	const claims = await locals.safeGetClaims();
	if (!claims) error(401, 'Sign in first.');
	const branding = locals.branding;
	if (!branding) error(404, 'Not found');
	const here = (await myOrganizations(locals.supabase)).find((o) => o.slug === branding.slug);
	if (!here || here.role !== 'admin' || claims.organization_id !== here.organization_id) {
		error(403, 'Only clinic administrators can do this.');
	}
	return {
		userId: claims.sub,
		organizationId: here.organization_id,
		slug: branding.slug,
		// the address this clinic was reached at (subdomain or custom domain)
		origin: url.origin
	};
}
