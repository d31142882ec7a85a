/**
 * Server-side configuration. Public values may reach the browser; the secret key never does
 * (this module lives under $lib/server, which SvelteKit refuses to bundle for the client).
 */
import { env as publicEnv } from '$env/dynamic/public';
import { env as privateEnv } from '$env/dynamic/private';

function required(name: string, value: string | undefined): string {
	if (!value) {
		throw new Error(
			`${name} is not set. Run \`npm run stack:start\` (writes .env.local) or set it for your Supabase project.`
		);
	}
	return value;
}

export function supabaseUrl(): string {
	return required('PUBLIC_SUPABASE_URL', publicEnv.PUBLIC_SUPABASE_URL);
}

export function publishableKey(): string {
	return required('PUBLIC_SUPABASE_PUBLISHABLE_KEY', publicEnv.PUBLIC_SUPABASE_PUBLISHABLE_KEY);
}

/** Only for the platform console's service-role client (src/lib/server/service-role.ts). */
export function secretKey(): string {
	return required('SUPABASE_SECRET_KEY', privateEnv.SUPABASE_SECRET_KEY);
}

/** The platform's root domain: `clinic-a.<root>` selects a clinic. `localhost` in development. */
export function rootDomain(): string {
	return (publicEnv.PUBLIC_ROOT_DOMAIN || 'localhost').toLowerCase();
}
