/** Starts the local runtime (idempotent) before database, API and browser tests. */
import { start } from '../../supabase/local/cli.ts';
import { TEST_SITE_URL } from '../../supabase/local/config.ts';

export default async function setup() {
	process.env.STACK_QUIET = '1';
	// Auth's site URL (and so its Send Email hook) is the portal the browser tests serve
	process.env.SITE_URL ??= TEST_SITE_URL;
	await start();
}
