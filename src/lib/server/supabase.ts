/**
 * The per-request Supabase server client, built from the request's cookies with @supabase/ssr.
 * Cookies are written with path '/' and the cache headers @supabase/ssr hands us are forwarded,
 * so refreshed sessions are never cached by a proxy.
 */
import { createServerClient } from '@supabase/ssr';
import { createClient } from '@supabase/supabase-js';
import type { RequestEvent } from '@sveltejs/kit';
import type { Database } from '$lib/database.types';
import { publishableKey, supabaseUrl } from './env';

export function createRequestClient(event: RequestEvent) {
	return createServerClient<Database>(supabaseUrl(), publishableKey(), {
		cookies: {
			getAll: () => event.cookies.getAll(),
			setAll: (cookiesToSet, headers) => {
				for (const { name, value, options } of cookiesToSet) {
					event.cookies.set(name, value, { ...options, path: '/' });
				}
				if (headers && Object.keys(headers).length > 0) event.setHeaders(headers);
			}
		}
	});
}

/**
 * A client of no one (publishable key, no stored or refreshed session) for one call outside the
 * request's session. `implicit` for e-mails whose link must work on any device: a PKCE verifier
 * would stay in this server's throwaway client.
 */
export function throwawayClient(flowType?: 'implicit') {
	return createClient<Database>(supabaseUrl(), publishableKey(), {
		auth: {
			persistSession: false,
			autoRefreshToken: false,
			detectSessionInUrl: false,
			...(flowType ? { flowType } : {})
		}
	});
}
