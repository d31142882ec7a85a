import type { ParamMatcher } from '@sveltejs/kit';
import { isUuid } from '$lib/uuid';

/**
 * `[id=uuid]`: a route whose parameter is a record's id matches only a UUID, so no load or action
 * ever sends a malformed id to the database; anything else is the portal's 404.
 */
export const match: ParamMatcher = isUuid;
