/**
 * Tenant resolution from the request host: `<slug>.<configured root domain>` or a custom domain
 * recorded for a clinic selects it; the bare root domain is the platform's own site; any other host
 * (`<slug>.<some other domain>` pointed at the portal, deeper subdomains, unknown domains) serves no
 * clinic and gets the neutral page. The clinic's pre-login branding comes from the database's
 * `get_branding` RPC (through `request_context`, request-context.ts), which returns only public
 * fields and no internal identifier (the logo lives under the clinic's slug).
 */
import type { SupabaseClient } from '@supabase/supabase-js';
import type { Database } from '$lib/database.types';
import { textColorOn } from '$lib/color';
import type { Branding, Tenant } from '$lib/tenant';
import { supabaseUrl } from './env';
import { readOrThrow } from './reads';

export type { Tenant };

const DEFAULT_COLOR = '#0f766e';

/** Strips the port and lower-cases; returns '' for a missing host. */
export function normalizeHost(host: string | null | undefined): string {
	if (!host) return '';
	return host.trim().toLowerCase().replace(/:\d+$/, '').replace(/\.$/, '');
}

/**
 * Classifies a host against the root domain. A direct subdomain of the root gives its slug; any
 * other host is a candidate custom domain (slug null) that the database maps, or does not.
 */
export function resolveTenant(rawHost: string | null | undefined, root: string): Tenant {
	const host = normalizeHost(rawHost);
	const rootHost = normalizeHost(root);
	if (!host || host === rootHost || host === `www.${rootHost}` || host === '127.0.0.1') {
		return { kind: 'platform', host };
	}
	if (host.endsWith(`.${rootHost}`)) {
		const label = host.slice(0, -(rootHost.length + 1));
		if (!label.includes('.')) return { kind: 'clinic', host, slug: label };
	}
	return { kind: 'clinic', host, slug: null };
}

/**
 * Public URL of an object in the `branding` bucket (public read; sign-in pages show it). Logos
 * live under the clinic's slug, so the URL names nothing the address does not.
 */
export function logoUrl(path: string): string {
	const encoded = path.split('/').map(encodeURIComponent).join('/');
	return `${supabaseUrl()}/storage/v1/object/public/branding/${encoded}`;
}

/** A row of `get_branding` (also the `branding` of `request_context`). */
export type BrandingRow = Database['public']['Functions']['get_branding']['Returns'][number];

/** The page's branding from a get_branding row: logo URL, colours with readable text. */
export function toBranding(data: BrandingRow): Branding {
	const themeColor = data.theme_color || DEFAULT_COLOR;
	return {
		slug: data.slug,
		name: data.name,
		type: data.type,
		logoUrl: data.logo_path ? logoUrl(data.logo_path) : null,
		themeColor,
		textColor: textColorOn(themeColor),
		signInMessage: data.sign_in_message,
		suspended: data.status === 'suspended'
	};
}

/**
 * The public branding of the clinic this host serves, or null when it serves none: by slug for
 * `<slug>.<root domain>`, else only a custom domain recorded for a clinic. Pages get it from the
 * request context (request-context.ts, one call with the rest); this is for work outside a page
 * request (the send-email hook).
 */
export async function loadBranding(
	supabase: SupabaseClient<Database>,
	tenant: Extract<Tenant, { kind: 'clinic' }>
): Promise<Branding | null> {
	const args = tenant.slug ? { clinic_slug: tenant.slug } : { custom_domain: tenant.host };
	const data = await readOrThrow(
		'get_branding failed',
		supabase.rpc('get_branding', args).maybeSingle()
	);
	return data ? toBranding(data) : null;
}
