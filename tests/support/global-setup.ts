/** Starts the local runtime (idempotent) before database, API and browser tests. */
import { start } from '../../supabase/local/cli.ts';

export default async function setup() {
	process.env.STACK_QUIET = '1';
	await start();
}
