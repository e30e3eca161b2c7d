import type { Context } from "./context.ts";
import { deleteEndpoint } from "./endpoints.ts";

/** Endpoints removed per look; more wait for the next housekeeping round. */
const SWEEP_BATCH = 100;

/**
 * Removes the relay endpoints of `outbound listen` streams that died with their process (a crash or SIGKILL: the
 * stream's own clean-up never ran). A live stream renews its session every third of a lease, in whichever process
 * serves it, so an endpoint without a session renewed since `staleBefore` has no stream left. Returns how many.
 */
export async function removeAbandonedRelayEndpoints(ctx: Context, staleBefore: number): Promise<number> {
  const abandoned = await ctx.store.listAbandonedRelayEndpoints(
    ctx.relays.urlPrefix,
    staleBefore,
    SWEEP_BATCH,
  );
  let removed = 0;
  for (const { appId, endpointId } of abandoned) {
    const [app, endpoint] = await Promise.all([
      ctx.store.getApplication(appId),
      ctx.store.getEndpoint(appId, endpointId),
    ]);
    // Gone meanwhile: removed by its stream's own clean-up or by another process's sweep.
    if (!app || !endpoint) continue;
    await deleteEndpoint(ctx, app, endpoint);
    await ctx.store.deleteRelaySession(endpoint.url);
    removed += 1;
  }
  await ctx.store.deleteStaleRelaySessions(staleBefore);
  return removed;
}
