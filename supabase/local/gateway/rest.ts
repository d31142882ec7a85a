/** Placeholder until the rest service lands (issue 3); answers 501 for every route. */
import { sendJson, type GatewayContext } from './http.ts';

export async function handleRest(ctx: GatewayContext): Promise<void> {
	if ('rest' === 'auth' && ctx.path === '/health') {
		sendJson(ctx.res, 200, { name: 'GoTrue', description: 'local runtime' });
		return;
	}
	sendJson(ctx.res, 501, { message: 'rest service not implemented yet' });
}
