/**
 * Pre-login branding of the clinic serving a host, from the database's `get_branding` RPC, which
 * returns only public fields (never the organization row).
 */
import type { SupabaseClient } from '@supabase/supabase-js';
import type { Database } from '$lib/database.types';
import { textColorOn } from '$lib/color';
import type { Branding } from '$lib/branding';
import { supabaseUrl } from './env';

const DEFAULT_COLOR = '#0f766e';

/** Public URL of an object in the `branding` bucket (public read; sign-in pages show it). */
export function brandingObjectUrl(path: string): string {
	const encoded = path.split('/').map(encodeURIComponent).join('/');
	return `${supabaseUrl()}/storage/v1/object/public/branding/${encoded}`;
}

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
		logoUrl: data.logo_path ? brandingObjectUrl(data.logo_path) : null,
		themeColor,
		textColor: textColorOn(themeColor),
		signInMessage: data.sign_in_message,
		suspended: data.status === 'suspended'
	};
}
