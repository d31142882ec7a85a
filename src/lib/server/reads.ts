/**
 * Reads the portal needs in order to answer at all (a page's rows, a settings row). Their failure
 * is a fault of the system, not an answer to the person: it is thrown, naming what was read, and
 * the portal's `handleError` logs it with an id. (Writes answer refusals instead: `./refusals`.)
 */
type Response = { data: unknown; error: { message: string } | null };
/** The data of a response that succeeded (supabase-js answers a union of success and failure). */
type DataOf<R extends Response> = Extract<R, { error: null }>['data'];

/** What the read returned; throws `<what>: <database message>` when it failed. */
export async function readOrThrow<R extends Response>(
	what: string,
	request: PromiseLike<R>
): Promise<DataOf<R>> {
	const { data, error } = await request;
	if (error) throw new Error(`${what}: ${error.message}`);
	return data as DataOf<R>;
}
