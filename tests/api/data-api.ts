/** Shared pieces of the Data API tests (rest.test.ts, rest-fidelity.test.ts). */

/**
 * Names of one run's fixtures in `public`: a prefix unique to the run (`<tag>_<time>_<random>`) and,
 * for each name asked for, `<prefix>_<name>`, so runs never meet and afterAll drops exactly its own.
 */
export function runNames<const N extends string>(tag: string, names: readonly N[]) {
	const p = `${tag}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 7)}`;
	const named = Object.fromEntries(names.map((n) => [n, `${p}_${n}`])) as Record<N, string>;
	return { p, ...named };
}

/** A PostgREST error body exactly as PostgREST writes it: code, message, hint and details (null when absent). */
export function postgrestError(code: string, message: string, hint: string | null = null) {
	return { code, details: null, hint, message };
}

/** PostgREST's refusal of a schema supabase/config.toml [api] does not expose (PGRST106). */
export function schemaNotExposed(schema: string) {
	return postgrestError(
		'PGRST106',
		`Invalid schema: ${schema}`,
		'Only the following schemas are exposed: public, graphql_public'
	);
}
