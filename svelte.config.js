import adapter from '@sveltejs/adapter-node';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** @type {import('@sveltejs/kit').Config} */
const config = {
	preprocess: vitePreprocess(),
	kit: {
		// Overridable so parallel test runs can build side by side (tests/support/app-server.ts).
		adapter: adapter({ out: process.env.BUILD_DIR ?? 'build' }),
		outDir: process.env.KIT_OUT_DIR ?? '.svelte-kit',
		alias: {
			$schemas: 'src/lib/schemas'
		},
		// Every page's Content-Security-Policy. SvelteKit adds a nonce for its own inline script to
		// script-src, so no other inline or injected script runs. Pages may not be framed anywhere.
		// Inline style attributes are allowed (clinic colours are set per element). The Supabase
		// origin (logos, the browser's uploads) is known only at run time: hooks.server.ts adds it
		// to img-src and connect-src ($lib/server/security-headers.ts).
		csp: {
			mode: 'auto',
			directives: {
				'default-src': ['self'],
				'script-src': ['self'],
				'style-src': ['self', 'unsafe-inline'],
				'img-src': ['self', 'data:'],
				'font-src': ['self'],
				'connect-src': ['self'],
				'object-src': ['none'],
				'base-uri': ['self'],
				'frame-ancestors': ['none']
			}
		}
	}
};

export default config;
