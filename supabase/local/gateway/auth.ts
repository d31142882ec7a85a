/** Placeholder until the auth service lands (issue 3); answers 501 for every route. */
import { sendJson, type GatewayContext } from './http.ts';

export async function handleAuth(ctx: GatewayContext): Promise<void> {
	if ('auth' === 'auth' && ctx.path === '/health') {
		sendJson(ctx.res, 200, { name: 'GoTrue', description: 'local runtime' });
		return;
	}
	sendJson(ctx.res, 501, { message: 'auth service not implemented yet' });
}
