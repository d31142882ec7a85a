import { expect, test } from 'vitest';

// The project pins Node 24 as an npm devDependency; supabase-js needs Node 22+ (native WebSocket).
// If this fails, something ran the suite outside `npm run`/`npx` or installed with --ignore-scripts.
test('tests run on the pinned Node 24', () => {
	expect(process.version.startsWith('v24.')).toBe(true);
	expect(typeof globalThis.WebSocket).toBe('function');
});
