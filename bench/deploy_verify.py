"""Bench: `pgwarden doctor telegram` and `pgwarden deploy verify` vs the seed's manual checks (curl, psql, grep).

Whole commands, process start to exit, the same setup for both sides: a throwaway PostgreSQL
cluster, a Warden active at commit 04852ce (registered, gate passed), the fake Bot API
(tests/fake_telegram.py) with the webhook set to a local receiver that checks the secret token,
and a 20,000-line bot log.

* `doctor telegram` vs `curl getMe` + `curl getWebhookInfo` (incident 004's `[BOT_VERIFY]` and
  webhook_diagnostic.py, by hand).
* `deploy verify --synthetic-update --log` vs the manual checklist as a shell script: psql for the
  instance row (version, role, ready) and the migration ledger, curl getMe and getWebhookInfo,
  the seed's `curl -X POST` of the webhook, `grep -E -c` with the catalog's error patterns.

The anchors only fetch: a person still reads their output and decides; pgwarden also judges.
Usage: .venv/bin/python bench/deploy_verify.py [--runs 7]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import shlex
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from fake_telegram import FakeTelegram  # noqa: E402

from pgwarden.doctor import signature_catalog  # noqa: E402
from pgwarden.findings import Severity  # noqa: E402
from pgwarden.runtime import RuntimeSettings, Warden  # noqa: E402
from pgwarden.scratch import Cluster, find_binaries  # noqa: E402

TOKEN = "8524869517:AAF3kq9ZcXbT7yLmN2pQ4rS6tU8vW0xY1zA"
SECRET = "bench-webhook-secret-token"
COMMIT = "04852ce7a9d1"


def receiver() -> tuple[ThreadingHTTPServer, str]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            ok = self.headers.get("X-Telegram-Bot-Api-Secret-Token") == SECRET
            self.send_response(200 if ok else 401)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/webhook"


def write_log(path: Path, lines: int) -> None:
    stamp = time.strftime("%Y-%m-%d %H:%M:%S")
    with path.open("w", encoding="utf-8") as f:
        for i in range(lines):
            f.write(f"{stamp},{i % 1000:03d} INFO aiogram.event: Update id={i} is handled. Duration 3 ms\n")


def timed(cmd: str, env: dict[str, str], cwd: Path, runs: int) -> tuple[float, float, int]:
    """Median wall and CPU (user + system, of every process the command ran) seconds of ``bash -c cmd``
    over ``runs`` after one warm-up, and its exit code. On a shared machine CPU is the steadier figure."""
    code = subprocess.run(["bash", "-c", cmd], env=env, cwd=cwd, capture_output=True, check=False).returncode
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        done = subprocess.run(["bash", "-c", cmd], env=env, cwd=cwd, capture_output=True, check=False)
        walls.append(time.perf_counter() - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        code = done.returncode
    return statistics.median(walls), statistics.median(cpus), code


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--log-lines", type=int, default=20_000)
    args = parser.parse_args()
    binaries = find_binaries()
    if binaries is None:
        print("no PostgreSQL binaries found", file=sys.stderr)
        return 2
    cluster = Cluster(binaries)
    cluster.start()
    folder = Path(tempfile.mkdtemp(prefix="pgwarden-deploy-bench-"))
    server, hook = receiver()
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    os.environ["PGWARDEN_CODE_VERSION"] = COMMIT
    warden = Warden(cluster.url, RuntimeSettings(name="bot", ttl=10.0, check_interval=0.5))
    try:
        with FakeTelegram() as tg:
            import httpx

            httpx.post(f"{tg.url}/bot{TOKEN}/setWebhook", json={"url": hook}).raise_for_status()

            async def start() -> None:
                await warden.start()
                await asyncio.wait_for(warden.wait_active(), 60)

            asyncio.run_coroutine_threadsafe(start(), loop).result(90)
            write_log(folder / "bot.log", args.log_lines)
            (folder / "pgwarden.toml").write_text(
                f'name = "bot"\n\n[telegram]\napi_base = "{tg.url}"\nusername = "fake8524869517_bot"\n'
                f'mode = "webhook"\nwebhook_url = "{hook}"\n',
                encoding="utf-8",
            )
            env = {
                **os.environ,
                "DATABASE_URL": cluster.url,
                "TELEGRAM_BOT_TOKEN": TOKEN,
                "TELEGRAM_WEBHOOK_SECRET": SECRET,
                "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
            }
            psql = binaries.tool("psql")
            patterns = [
                p for s in signature_catalog.load() if s.severity is Severity.ERROR for p in s.patterns
            ]
            (folder / "patterns.txt").write_text("\n".join(patterns) + "\n", encoding="utf-8")
            api = f"{tg.url}/bot$TELEGRAM_BOT_TOKEN"
            curl_doctor = f'curl -s -X POST "{api}/getMe"; curl -s -X POST "{api}/getWebhookInfo"'
            manual = " && ".join(
                [
                    f'{shlex.quote(psql)} -X -A -t -d "$DATABASE_URL" -c "SELECT code_version, role, ready '
                    "FROM pgwarden.instances WHERE name = 'bot' AND stopped_at IS NULL\" "
                    "-c \"SELECT count(*) FROM pgwarden.leases WHERE name = 'bot' AND NOT released "
                    'AND expires_at > now()"',
                    curl_doctor,
                    f'curl -s -o /dev/null -w "%{{http_code}}" -X POST "{hook}" '
                    '-H "Content-Type: application/json" '
                    '-H "X-Telegram-Bot-Api-Secret-Token: $TELEGRAM_WEBHOOK_SECRET" '
                    "-d '{\"update_id\":2147483000}'",
                    "(grep -E -c -f patterns.txt bot.log || true)",
                ]
            )
            ours_doctor = "pgwarden doctor telegram"
            ours_verify = f"pgwarden deploy verify --version {COMMIT[:7]} --synthetic-update --log bot.log --deadline 30s"
            rows = []
            for what, mine, anchor in (
                ("doctor telegram", ours_doctor, curl_doctor),
                ("deploy verify", ours_verify, manual),
            ):
                rows.append(
                    (what, *timed(mine, env, folder, args.runs), *timed(anchor, env, folder, args.runs))
                )
    finally:
        asyncio.run_coroutine_threadsafe(warden.stop(), loop).result(30)
        loop.call_soon_threadsafe(loop.stop)
        server.shutdown()
        cluster.stop()
    load = os.getloadavg()[0]
    print(
        f"median of {args.runs} runs, process start to exit; log {args.log_lines:,} lines; load {load:.1f}\n"
    )
    print(
        "| command | pgwarden wall | CPU | exit | by hand (curl, psql, grep) wall | CPU | exit | wall ratio | CPU ratio |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for what, w_ours, c_ours, x_ours, w_anchor, c_anchor, x_anchor in rows:
        print(
            f"| {what} | {w_ours * 1000:.0f} ms | {c_ours * 1000:.0f} ms | {x_ours} | {w_anchor * 1000:.0f} ms | "
            f"{c_anchor * 1000:.0f} ms | {x_anchor} | {w_ours / w_anchor:.1f}x | {c_ours / max(c_anchor, 1e-3):.1f}x |"
        )
    print(json.dumps({"rows": rows, "load": load}), file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
