/** Self-signed certificates for loopback TLS receivers, made at test time with openssl. */
import { execFileSync } from "node:child_process";
import path from "node:path";

export interface CertFiles {
  keyFile: string;
  certFile: string;
}

/** A one-day certificate for 127.0.0.1 and localhost, written as `<name>.key` / `<name>.pem` in `dir`. */
export function selfSignedCert(dir: string, name: string): CertFiles {
  const keyFile = path.join(dir, `${name}.key`);
  const certFile = path.join(dir, `${name}.pem`);
  execFileSync(
    "openssl",
    [
      ...["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", `/CN=${name}`],
      ...["-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", keyFile, "-out", certFile],
    ],
    { stdio: "ignore" },
  );
  return { keyFile, certFile };
}
