// blastwall OpenCode plugin (written by `blastwall install opencode`; `--uninstall` removes it).
// Every tool call goes to blastwall's hook (ARGV, spawned without a shell) before it runs. The
// call fails with blastwall's reason when the verdict is deny or ask (OpenCode cannot ask from
// this hook), and also when the hook cannot be run or answers something unexpected: blastwall
// fails closed.
// blastwall-managed-plugin

import { spawn } from "node:child_process";

const ARGV = ["__BLASTWALL_ARGV__"];
const TIMEOUT_MS = 30000;
const MAX_OUTPUT = 1024 * 1024;

function runHook(input) {
  return new Promise((resolve) => {
    let child;
    try {
      child = spawn(ARGV[0], ARGV.slice(1), { shell: false, stdio: ["pipe", "pipe", "pipe"] });
    } catch (err) {
      resolve({ code: -1, stdout: "", stderr: String(err) });
      return;
    }
    let stdout = "";
    let stderr = "";
    let done = false;
    const finish = (code) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    };
    const timer = setTimeout(() => {
      try { child.kill("SIGKILL"); } catch {}
      stderr += `timed out after ${TIMEOUT_MS / 1000} s`;
      finish(-2);
    }, TIMEOUT_MS);
    child.stdout.on("data", (d) => { if (stdout.length < MAX_OUTPUT) stdout += d; });
    child.stderr.on("data", (d) => { if (stderr.length < MAX_OUTPUT) stderr += d; });
    child.on("error", (err) => { stderr += String(err); finish(-1); });
    child.on("close", (code) => finish(code));
    child.stdin.on("error", () => {});
    child.stdin.end(input);
  });
}

function failure(detail) {
  return new Error(
    `blastwall blocked this tool call because it could not check it (${detail}). ` +
    "A human should verify that `blastwall hook opencode` runs (`blastwall install opencode` rewrites this plugin) and retry."
  );
}

export const BlastwallPlugin = async ({ directory }) => ({
  "tool.execute.before": async (input, output) => {
    let payload;
    try {
      payload = JSON.stringify({
        tool: input.tool,
        sessionID: input.sessionID,
        callID: input.callID,
        args: output.args ?? {},
        directory,
      });
    } catch (err) {
      throw failure(`tool arguments are not JSON: ${err}`);
    }
    const res = await runHook(payload);
    let verdict = null;
    try {
      verdict = JSON.parse(res.stdout.trim());
    } catch {}
    if (verdict && verdict.decision === "allow" && res.code === 0) return;
    if (verdict && typeof verdict.reason === "string" && verdict.reason) throw new Error(verdict.reason);
    const detail = res.stderr.trim().split("\n").pop() || `exit code ${res.code}`;
    throw failure(detail.slice(0, 300));
  },
});
