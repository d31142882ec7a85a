/**
 * The per-request context, in ONE Data API call (issue 18): the host's clinic branding, the public
 * settings, and the signed-in person's own clinics (with role), live support access and name, from
 * `request_context` (supabase/migrations/20261124710000_create_page_rpcs.sql, a security invoker
 * composition of get_branding, get_public_settings, my_organizations and my_support_access).
 *
 * The `context` handle in hooks.server.ts loads it once per request on clinic hosts; layouts and
 * actions read `locals.context` instead of asking again. A page therefore pays one context call
 * plus one call for its own data (docs/benchmark.md, "Portal": the per-page pattern).
 */
import type { SupabaseClient } from '@supabase/supabase-js';
import type { Database } from '$lib/database.types';
import type { Tenant } from '$lib/tenant';
import type { MyOrganization } from './active-organization';
import type { PublicSettings } from './platform/settings';
import type { SupportAccess } from './platform/support';
import { toBranding, type BrandingRow } from './tenant';
import { readOrThrow } from './reads';

export interface RequestContext {
	/** Public branding of the host's clinic; null when the host serves none. */
	branding: ReturnType<typeof toBranding> | null;
	settings: PublicSettings;
	/** The caller's active memberships in active clinics ([] signed out or session ended). */
	clinics: MyOrganization[];
	/** The caller's live read-only support access, or null. */
	support: SupportAccess | null;
	/** The caller's own profile (name for the header), or null without a session. */
	profile: { full_name: string | null } | null;
}

interface ContextRow {
	branding: BrandingRow | null;
	settings: { maintenance_banner: string | null; session_idle_timeout_minutes: number } | null;
	clinics: MyOrganization[] | null;
	support: SupportAccess | null;
	profile: { full_name: string | null } | null;
}

const DEFAULT_SETTINGS: PublicSettings = { maintenanceBanner: null, idleTimeoutMinutes: 60 };

/** Loads the context of a clinic host (by slug, or by the host as a custom domain). */
export async function loadRequestContext(
	supabase: SupabaseClient<Database>,
	tenant: Extract<Tenant, { kind: 'clinic' }>
): Promise<RequestContext> {
	const args = tenant.slug ? { clinic_slug: tenant.slug } : { custom_domain: tenant.host };
	const data = await readOrThrow('request_context failed', supabase.rpc('request_context', args));
	const row = (data ?? {}) as unknown as ContextRow;
	return {
		branding: row.branding ? toBranding(row.branding) : null,
		settings: row.settings
			? {
					maintenanceBanner: row.settings.maintenance_banner,
					idleTimeoutMinutes: row.settings.session_idle_timeout_minutes
				}
			: DEFAULT_SETTINGS,
		clinics: row.clinics ?? [],
		support: row.support ?? null,
		profile: row.profile ?? null
	};
}
