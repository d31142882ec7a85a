/**
 * The per-request Supabase server client, built from the request's cookies with @supabase/ssr.
 * Cookies are written with path '/' and the cache headers @supabase/ssr hands us are forwarded,
 * so refreshed sessions are never cached by a proxy.
 */
import { createServerClient } from '@supabase/ssr';
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
