import tailwindcss from '@tailwindcss/vite';
import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vitest/config';

export default defineConfig({
	plugins: [tailwindcss(), sveltekit()],
	server: { host: true, allowedHosts: ['.localhost', 'localhost'] },
	preview: { allowedHosts: true },
	test: {
		expect: { requireAssertions: true },
		reporters: ['default', './tests/support/summary-reporter.ts'],
		projects: [
			{
				extends: './vite.config.ts',
				test: {
					name: 'unit',
					environment: 'node',
					include: ['src/**/*.spec.ts', 'tests/unit/**/*.test.ts']
				}
			},
			{
				test: {
					name: 'db',
					environment: 'node',
					include: ['tests/db/**/*.test.ts'],
					globalSetup: ['./tests/support/global-setup.ts'],
					testTimeout: 60_000,
					hookTimeout: 120_000
				}
			},
			{
				test: {
					name: 'api',
					environment: 'node',
					include: ['tests/api/**/*.test.ts'],
					globalSetup: ['./tests/support/global-setup.ts'],
					testTimeout: 60_000,
					hookTimeout: 120_000
				}
			},
			{
				test: {
					name: 'e2e',
					environment: 'node',
					include: ['tests/e2e/**/*.test.ts'],
					globalSetup: ['./tests/support/global-setup.ts', './tests/support/app-server.ts'],
					fileParallelism: false,
					testTimeout: 90_000,
					hookTimeout: 180_000
				}
			}
		]
	}
});
