/** The message to print for this Node version, or null if it can run Outbound. */
export function nodeVersionProblem(version: string): string | null;
