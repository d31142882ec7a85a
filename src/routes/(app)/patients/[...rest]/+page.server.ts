import { error } from '@sveltejs/kit';
import type { PageServerLoad } from './$types';

/**
 * Any other address under /patients (a malformed id: `[id=uuid]` does not match it) gets the same
 * answer as an unknown patient or another clinic's, so an address tells nobody anything.
 */
export const load: PageServerLoad = () => error(404, 'Patient not found');
