import pino from "pino";
import type { Config } from "../config.ts";
import { prettyLogStream } from "./pretty-log.ts";

/** The process's pino logger; delivery threads make their own from the same Config. */
export function createLogger(config: Config) {
  const destination = config.logFormat === "pretty" ? prettyLogStream(process.stdout) : undefined;
  return pino(
    {
      level: config.logLevel,
      base: { service: "outbound" },
      // Belt and braces: nothing we log carries these, but a stray object must not leak them.
      redact: [
        "req.headers.authorization",
        "headers.authorization",
        "secret",
        "token",
        "key",
        "*.secret",
        "*.token",
      ],
    },
    destination,
  );
}
