/**
 * @module Runs a baseline server (a bench/baseline/*.ts script, or an executable such as the
 * opamp-go server) as its own process and reads the URL it prints, so baselines are measured
 * exactly like the server under test.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export class BaselineProcess {
  private constructor(
    readonly name: string,
    readonly child: ChildProcess,
    readonly url: string,
  ) {}

  static start(name: string, script: string, timeoutMs = 20_000): Promise<BaselineProcess> {
    return BaselineProcess.startCommand(name, process.execPath, ['--import', 'tsx', script], timeoutMs);
  }

  /** Any executable that prints `listening <url>` once it accepts connections (e.g. bench/opamp-go/server). */
  static async startCommand(name: string, command: string, args: readonly string[], timeoutMs = 20_000): Promise<BaselineProcess> {
    const child = spawn(command, args, {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH, HOME: process.env.HOME },
    });
    let out = '';
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()).length > 20_000 && (out = out.slice(-10_000)));
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`baseline ${name} did not start within ${timeoutMs} ms: ${out}`));
      }, timeoutMs);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`baseline ${name} exited during startup (code ${code}): ${out}`));
      });
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /listening (\S+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
    });
    return new BaselineProcess(name, child, url);
  }

  get pid(): number {
    return this.child.pid!;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }
}
