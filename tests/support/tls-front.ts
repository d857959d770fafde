import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import type { AddressInfo } from "node:net";
import * as net from "node:net";
import * as path from "node:path";
import { commandWorks } from "./pulumi-cli-build";

/**
 * Why no test certificate can be made here ("" when it can): they are made with the openssl command. In CI
 * (PULUMI_SODA_REQUIRE_CLI=1) this is "", so a missing openssl fails the test instead of skipping it.
 */
export function certificateSkipReason(): string {
  if (process.env.PULUMI_SODA_REQUIRE_CLI === "1") return "";
  return commandWorks("openssl", ["version"]) ? "" : "no openssl command to make a test certificate authority with";
}

/** A throwaway certificate authority and a server certificate it signed, as PEM files in `dir`. */
export interface TestCertificates {
  /** The CA certificate, for NODE_EXTRA_CA_CERTS or REQUESTS_CA_BUNDLE. */
  caFile: string;
  cert: string;
  key: string;
}

/**
 * Makes a CA and a server certificate for `localhost`, 127.0.0.1 and `dnsNames`, valid for two days. A real CA
 * and leaf (not one self-signed leaf) because strict verifiers (Python's from 3.13) refuse a leaf as its own CA.
 */
export function makeTestCertificates(dir: string, dnsNames: string[] = []): TestCertificates {
  const file = (name: string) => path.join(dir, name);
  const openssl = (args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
  openssl([
    "req",
    "-x509",
    ...ec,
    "-keyout",
    "ca.key",
    "-out",
    "ca.pem",
    "-days",
    "2",
    "-subj",
    "/CN=pulumi-soda-cloud test CA",
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
  ]);
  openssl(["req", ...ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost"]);
  const names = ["DNS:localhost", "IP:127.0.0.1", ...dnsNames.map((name) => `DNS:${name}`)].join(",");
  fs.writeFileSync(
    file("server.ext"),
    `subjectAltName=${names}\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nauthorityKeyIdentifier=keyid\nsubjectKeyIdentifier=hash\n`,
  );
  openssl([
    "x509",
    "-req",
    "-in",
    "server.csr",
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-out",
    "server.pem",
    "-days",
    "2",
    "-extfile",
    "server.ext",
  ]);
  return { caFile: file("ca.pem"), cert: fs.readFileSync(file("server.pem"), "utf8"), key: fs.readFileSync(file("server.key"), "utf8") };
}

/** A listening server of this module; close() stops it and drops its connections. */
export interface LocalServer {
  port: number;
  close(): Promise<void>;
}

async function listen(server: http.Server | https.Server, onClose: () => void = () => {}): Promise<LocalServer> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        onClose();
      }),
  };
}

/**
 * Soda Cloud over https in front of the emulator: terminates TLS on 127.0.0.1:0 with `certificates` and forwards
 * each request to `target` (the emulator's http URL) unchanged, so clients use the https forms of the endpoint.
 */
export function startTlsFront(target: string, certificates: TestCertificates): Promise<LocalServer> {
  const server = https.createServer({ cert: certificates.cert, key: certificates.key }, (req, res) => {
    const upstream = http.request(new URL(req.url ?? "/", target), { method: req.method, headers: req.headers }, (reply) => {
      res.writeHead(reply.statusCode ?? 502, reply.headers);
      reply.pipe(res);
    });
    upstream.on("error", () => res.destroy());
    req.pipe(upstream);
  });
  return listen(server);
}

/**
 * An HTTP proxy that tunnels CONNECT to `host:443`, and only that, to 127.0.0.1:`port`: a client given it as
 * HTTPS_PROXY reaches `https://host` (no port) at a local server, and nothing else.
 */
export function startConnectProxy(host: string, port: number): Promise<LocalServer> {
  const server = http.createServer((_req, res) => {
    res.writeHead(405).end();
  });
  // A tunnel's sockets leave the HTTP server once CONNECT is answered, so close() must end them itself.
  const tunnels = new Set<net.Socket>();
  const track = (socket: net.Socket) => {
    tunnels.add(socket);
    socket.on("close", () => tunnels.delete(socket));
  };
  server.on("connect", (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    track(client);
    if (req.url !== `${host}:443`) {
      client.end("HTTP/1.1 403 Forbidden\r\n\r\n");
      return;
    }
    const upstream = net.connect(port, "127.0.0.1", () => {
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    track(upstream);
    upstream.on("error", () => client.destroy());
    client.on("error", () => upstream.destroy());
  });
  return listen(server, () => {
    for (const socket of tunnels) socket.destroy();
  });
}
