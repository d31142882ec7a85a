/**
 * Tenant resolution from the request host: `<slug>.<root domain>` or a mapped custom domain
 * selects a clinic; the bare root domain is the platform's own site. The clinic's pre-login
 * branding comes from the database's `get_branding` RPC, which returns only public fields (never
 * the organization row).
 */
import type { SupabaseClient } from '@supabase/supabase-js';
import type { Database } from '$lib/database.types';
import { textColorOn } from '$lib/color';
import type { Branding, Tenant } from '$lib/tenant';
import { supabaseUrl } from './env';

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

/** Public URL of an object in the `branding` bucket (public read; sign-in pages show it). */
export function logoUrl(path: string): string {
	const encoded = path.split('/').map(encodeURIComponent).join('/');
	return `${supabaseUrl()}/storage/v1/object/public/branding/${encoded}`;
}

/** The public branding of the clinic serving `host`, or null when no clinic does. */
export async function loadBranding(
	supabase: SupabaseClient<Database>,
	host: string
): Promise<Branding | null> {
	const { data, error } = await supabase.rpc('get_branding', { host }).maybeSingle();
	if (error) throw new Error(`get_branding failed: ${error.message}`);
	if (!data) return null;
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
