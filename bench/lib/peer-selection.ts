/**
 * Which senders the peers scenario runs: BENCH_PEERS, a comma-separated subset of PEER_NAMES (e.g. `bare,outbound`
 * to iterate on Outbound against the ceiling alone). Unset means all of them.
 */

/** In the order the scenario starts them. */
export const PEER_NAMES = ["bare", "memory", "outbound", "outbound-0", "bullmq", "graphile"] as const;
export type PeerName = (typeof PEER_NAMES)[number];

const isPeerName = (name: string): name is PeerName => (PEER_NAMES as readonly string[]).includes(name);

/** The senders to run; throws on a name it does not know, so that a typo does not quietly measure less. */
export function selectPeers(value: string | undefined, smoke: boolean): Set<PeerName> {
  const names = (value ?? "")
    .split(",")
    .map((name) => name.trim())
    .filter(Boolean);
  // The smoke run (npm test) only proves the scenario completes: one Outbound server is enough there.
  if (names.length === 0) return new Set(PEER_NAMES.filter((name) => !(smoke && name === "outbound-0")));
  const unknown = names.filter((name) => !isPeerName(name));
  if (unknown.length > 0)
    throw new Error(`BENCH_PEERS: unknown sender(s) ${unknown.join(", ")}; known: ${PEER_NAMES.join(", ")}`);
  return new Set(names.filter(isPeerName));
}
