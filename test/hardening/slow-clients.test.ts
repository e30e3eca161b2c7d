/**
 * Slow clients are cut off: a connection trickling its headers or its body is closed by the server once
 * OUTBOUND_HEADERS_TIMEOUT / OUTBOUND_REQUEST_READ_TIMEOUT pass. Proven by the server closing the socket before the
 * client finished sending (a counter of bytes sent), not by timing the close.
 */
import assert from "node:assert/strict";
import { connect } from "node:net";
import { test } from "node:test";
import { serverForTests } from "../support/servers-for-tests.ts";

const server = serverForTests({ OUTBOUND_HEADERS_TIMEOUT: "1s", OUTBOUND_REQUEST_READ_TIMEOUT: "2s" });

/** Sends `head` at once, then `trickle` one byte every 100 ms until the server closes the connection. */
function trickle(head: string, trickled: string): Promise<{ sent: number; answer: string }> {
  return new Promise((resolve) => {
    const socket = connect(server.port, "127.0.0.1");
    let sent = 0;
    let answer = "";
    let timer: NodeJS.Timeout | undefined;
    socket.setEncoding("utf8");
    socket.on("data", (chunk) => {
      answer += chunk;
    });
    socket.on("error", () => undefined);
    socket.on("close", () => {
      clearInterval(timer);
      resolve({ sent, answer });
    });
    socket.write(head);
    timer = setInterval(() => {
      if (sent < trickled.length && socket.writable) socket.write(trickled[sent++]!);
    }, 100);
  });
}

test("a client trickling its headers is disconnected", async () => {
  const headers = `X-Slow: ${"a".repeat(600)}\r\n\r\n`;
  const result = await trickle("GET /api/v1/health HTTP/1.1\r\nHost: localhost\r\n", headers);
  assert.ok(
    result.sent < headers.length,
    `the server closed after ${result.sent} of ${headers.length} bytes`,
  );
});

test("a client trickling its body is disconnected", async () => {
  const body = "x".repeat(600);
  const head = `POST /api/v1/app HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${server.token}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`;
  const result = await trickle(head, body);
  assert.ok(result.sent < body.length, `the server closed after ${result.sent} of ${body.length} bytes`);
  assert.match(result.answer, /^HTTP\/1\.1 408/);
});
