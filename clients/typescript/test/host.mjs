// The sample host (samples/ChatKit.Sample, SQLite) as a child process on a free loopback port, for the client's tests:
// `dotnet ChatKit.Sample.dll` from the Release build (./build.sh test builds it first), or CHATKIT_SAMPLE_DLL.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
export const sampleFolder = path.join(repo, "samples/ChatKit.Sample");
export const sampleDll = process.env.CHATKIT_SAMPLE_DLL ?? path.join(sampleFolder, "bin/Release/net10.0/ChatKit.Sample.dll");

/** Skips (or, when CI=true, fails) the calling test when the sample is not built. */
export function requireSample(t) {
  if (existsSync(sampleDll)) {
    return true;
  }
  const message = `${sampleDll} not found: run dotnet build ChatKit.sln -c Release (or ./build.sh test), or set CHATKIT_SAMPLE_DLL`;
  if (process.env.CI === "true") {
    throw new Error(message);
  }
  t.skip(message);
  return false;
}

export async function freePort() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The sample on a port of its own with a SQLite file of its own; restart() keeps both. */
export class SampleHost {
  #directory = mkdtempSync(path.join(tmpdir(), "chatkit-ts-"));
  #process = null;
  #output = "";
  port = 0;

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  static async start() {
    const host = new SampleHost();
    host.port = await freePort();
    await host.#run();
    return host;
  }

  async #run() {
    this.#process = spawn("dotnet", [
      sampleDll,
      "--urls", this.url,
      "--environment", "Development",
      "--contentRoot", sampleFolder,
      "--DevTokens:Enabled", "true",
      "--ChatKit:Storage", "Sqlite",
      "--ConnectionStrings:Chat", `Data Source=${path.join(this.#directory, "chat.db")}`,
      "--ChatKit:SendRateLimit:PermitLimit", "1000",
      "--Logging:LogLevel:Default", "Warning",
      "--shutdownTimeoutSeconds", "2",
    ], { stdio: ["ignore", "pipe", "pipe"] });
    const collect = (chunk) => { this.#output = (this.#output + chunk).slice(-20_000); };
    this.#process.stdout.on("data", collect);
    this.#process.stderr.on("data", collect);
    const exited = new Promise((resolve) => this.#process.once("exit", resolve));
    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline) {
      const ready = await fetch(this.url + "/healthz").then((r) => r.ok, () => false);
      if (ready) {
        return;
      }
      const code = await Promise.race([exited, new Promise((resolve) => setTimeout(() => resolve(undefined), 200))]);
      if (code !== undefined) {
        throw new Error(`the sample exited with ${code}:\n${this.#output}`);
      }
    }
    throw new Error(`the sample did not answer /healthz within 90 s:\n${this.#output}`);
  }

  async #kill() {
    const child = this.#process;
    this.#process = null;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    }
  }

  /** Stops the server, runs whileDown, and starts it again on the same port and database. */
  async restart(whileDown = async () => {}) {
    await this.#kill();
    await whileDown();
    await this.#run();
  }

  async token(userId) {
    const response = await fetch(this.url + "/dev/token", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ userId, name: userId }),
    });
    if (!response.ok) {
      throw new Error(`POST /dev/token: ${response.status}`);
    }
    return (await response.json()).token;
  }

  async dispose() {
    await this.#kill();
    rmSync(this.#directory, { recursive: true, force: true });
  }
}

/** A TCP proxy in front of the host whose cut() drops every open connection through it (as a network failure does). */
export class CuttableProxy {
  #server;
  #sockets = new Set();
  #held = false;
  port = 0;

  static async start(targetPort) {
    const proxy = new CuttableProxy();
    proxy.#server = net.createServer((inbound) => {
      if (proxy.#held) {
        inbound.destroy(); // the network is down: nothing gets through
        return;
      }
      const outbound = net.connect(targetPort, "127.0.0.1");
      for (const socket of [inbound, outbound]) {
        proxy.#sockets.add(socket);
        socket.on("close", () => proxy.#sockets.delete(socket));
        socket.on("error", () => {});
      }
      inbound.pipe(outbound);
      outbound.pipe(inbound);
      inbound.on("close", () => outbound.destroy());
      outbound.on("close", () => inbound.destroy());
    });
    await new Promise((resolve) => proxy.#server.listen(0, "127.0.0.1", resolve));
    proxy.port = proxy.#server.address().port;
    return proxy;
  }

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  cut() {
    for (const socket of this.#sockets) {
      socket.destroy();
    }
  }

  /** Cuts every connection and refuses new ones until release(). */
  hold() {
    this.#held = true;
    this.cut();
  }

  release() {
    this.#held = false;
  }

  async dispose() {
    this.cut();
    await new Promise((resolve) => this.#server.close(resolve));
  }
}

/** Waits until predicate() is true, checking on every turn of the event loop's timers, up to timeoutMs. */
export async function waitUntil(predicate, what, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
