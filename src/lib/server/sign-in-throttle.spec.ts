import { describe, expect, it } from 'vitest';
import { waitMessage } from './sign-in-throttle';

describe('waitMessage', () => {
	it('says the wait in seconds under a minute and in whole minutes, rounded up, after', () => {
		expect(waitMessage(1)).toMatch(/try again in 1 second\.$/);
		expect(waitMessage(40)).toMatch(/try again in 40 seconds\.$/);
		expect(waitMessage(60)).toMatch(/try again in 1 minute\.$/);
		expect(waitMessage(61)).toMatch(/try again in 2 minutes\.$/);
		expect(waitMessage(900)).toMatch(/^Too many sign-in attempts\..*try again in 15 minutes\.$/);
	});
});
