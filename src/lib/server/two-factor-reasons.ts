/**
 * Why the signed-in person must use two-factor sign-in, checked live (their clinics and roles from
 * my_organizations, platform_admins), for the pages that explain it. Kept apart from
 * `two-factor.ts`, which the platform guard imports.
 */
import { redirect } from '@sveltejs/kit';
import type { VerifiedClaims } from '../../app';
import { myOrganizations } from './active-organization';
import { isPlatformAdmin } from './platform/guard';
import { requirementReasons } from './two-factor';

export async function myRequirementReasons(
	locals: App.Locals,
	claims: VerifiedClaims
): Promise<string[]> {
	// platform_admins shows a platform admin their row only at aal2: below it, the hook's claim
	// (read live from platform_admins when the token was issued) says so
	const platformAdmin =
		claims.is_platform_admin !== true
			? Promise.resolve(false)
			: claims.aal === 'aal2'
				? isPlatformAdmin({ supabase: locals.supabase, userId: claims.sub })
				: Promise.resolve(true);
	const [clinics, isAdmin] = await Promise.all([myOrganizations(locals.supabase), platformAdmin]);
	return requirementReasons({ clinics, platformAdmin: isAdmin });
}

/**
 * The signed-in person's verified claims, or a redirect to this host's sign-in (coming back to
 * `url`). Page loads run beside their layout's load and actions run without it, so each asks.
 */
export async function signedInClaims(locals: App.Locals, url: URL): Promise<VerifiedClaims> {
	const claims = await locals.safeGetClaims();
	if (!claims) redirect(303, signInPath(locals, url.pathname + url.search));
	return claims;
}

/** Where this host sends people to sign in, coming back to `target`. */
export function signInPath(locals: App.Locals, target: string): string {
	const page = locals.tenant.kind === 'platform' ? '/platform/sign-in' : '/sign-in';
	return `${page}?redirectTo=${encodeURIComponent(target)}`;
}

/** Where a signed-in person's pages start on this host. */
export function homePath(locals: App.Locals): string {
	return locals.tenant.kind === 'platform' ? '/platform/clinics' : '/dashboard';
}
