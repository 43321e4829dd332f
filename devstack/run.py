"""`make run`: moto (DynamoDB + SES), the API via `chalice local`, the web form and an outbox.

Everything binds to 127.0.0.1. Ports: MOTO_PORT (5000), API_PORT (8000), WEB_PORT (8080).
Ctrl-C stops everything this started.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from admin.stage import LOCAL_AWS, LOCAL_STAGE, REAL_CREDENTIALS

ROOT = Path(__file__).resolve().parent.parent
WEB = ROOT / "web"
HOST = "127.0.0.1"


def _port(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def local_environment(moto_url: str, web_origin: str) -> dict[str, str]:
    """What the API process gets: the `local` stage's variables as defaults, every setting of
    the calling shell over them (`LOG_LEVEL=DEBUG make run`), and what the stack must force:
    the `local` stage and its tables, inside moto with fake credentials, linking to its pages."""
    stage = json.loads((ROOT / ".chalice" / "config.json").read_text())["stages"]["local"]
    defaults: dict[str, str] = stage["environment_variables"]
    env = {**defaults, **os.environ}
    # Real credentials' companions: a session token or a profile would outlive the fake keys
    # below (an AWS_PROFILE naming a profile this machine lacks even stops botocore). The same
    # rule as the help desk's tool on this stage (admin/stage.py).
    for name in REAL_CREDENTIALS:
        env.pop(name, None)
    # The stage and the tables prepare_aws creates: a deployed stage's, exported in the shell,
    # would make the API refuse to run without its hash key or look for tables moto lacks.
    env.update({name: value for name, value in defaults.items() if _is_identity(name)})
    env.update({"AWS_ENDPOINT_URL": moto_url, **LOCAL_AWS})
    env.setdefault("CORS_ORIGIN", web_origin)
    # The links in mails (undo of an e-mail change) open the pages this stack itself serves,
    # whatever a deployed stage's WEB_BASE_URL the calling shell may carry.
    env["WEB_BASE_URL"] = web_origin
    # A fresh key per run: codes and sessions of a previous run are gone with moto anyway.
    env.setdefault("HASH_KEY", secrets.token_hex(32))
    return env


def _is_identity(name: str) -> bool:
    return name == "STAGE" or name.endswith("_TABLE")


def prepare_aws(env: dict[str, str]) -> None:
    """Create the tables from the models and verify the sender, inside moto."""
    os.environ.update(env)
    import boto3

    from chalicelib.config import get_settings
    from chalicelib.store.models import create_tables

    create_tables()
    boto3.client("ses").verify_email_identity(EmailAddress=get_settings().mail_sender)


class WebHandler(SimpleHTTPRequestHandler):
    """Serves web/, a config.js pointing at the local API, and the outbox."""

    api_url = ""

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib's name
        return

    def _send(self, body: bytes, content_type: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Cache-Control", "no-store")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        from devstack.outbox import mails

        path = self.path.split("?")[0]
        if path == "/config.js":
            self._send(
                f'export const API_BASE_URL = "{self.api_url}";\n'.encode(), "text/javascript"
            )
        elif path == "/outbox.json":
            items = [m.__dict__ for m in mails()]
            self._send(json.dumps(items, ensure_ascii=False).encode(), "application/json")
        elif path == "/outbox":
            self._send(render_outbox().encode(), "text/html; charset=utf-8")
        elif path == "/outbox.js":
            self._send(OUTBOX_SCRIPT.read_bytes(), "text/javascript")
        else:
            super().do_GET()


OUTBOX_SCRIPT = Path(__file__).resolve().parent / "outbox.js"


def render_outbox() -> str:
    """The mails sent so far, newest first, inside landmarks; outbox.js keeps it up to date."""
    from html import escape

    from devstack.outbox import mails

    sent = mails()
    rows = "".join(
        f"<article><h2>{escape(m.subject)}</h2><p><b>Para:</b> {escape(m.to)}</p>"
        f"<p><b>Entrega:</b> <span data-delivery>{escape(m.delivery)}</span></p>"
        f"<pre>{escape(m.text)}</pre></article>"
        for m in reversed(sent)
    )
    count = "1 correo enviado." if len(sent) == 1 else f"{len(sent)} correos enviados."
    return (
        '<!doctype html><html lang="es"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>Correos enviados (local)</title><style>"
        "body{font-family:sans-serif;max-width:50rem;margin:auto;padding:0 1rem;line-height:1.5}"
        "pre{white-space:pre-wrap;overflow-wrap:anywhere;background:#f4f4f4;padding:.5rem}"
        "article{border-top:1px solid #767676;padding:.5rem 0}</style></head><body>"
        "<header><h1>Correos enviados (entorno local)</h1>"
        "<p>Los correos que el servicio «envió». La lista se actualiza sola cada 3 segundos.</p>"
        "</header><main>"
        f'<p id="estado" role="status" aria-live="polite">{count}</p>'
        f'<section id="correos" aria-label="Correos, el más reciente primero" '
        f'data-count="{len(sent)}">'
        f"{rows or '<p>Aún no se ha enviado ningún correo.</p>'}</section></main>"
        '<script src="/outbox.js" defer></script></body></html>'
    )


def play_simulator(stop: threading.Event) -> None:
    from devstack.outbox import play_simulator as play

    play(stop)


def print_mails(stop: threading.Event) -> None:
    from devstack.outbox import mails

    seen = 0
    while not stop.wait(0.5):
        sent = mails()
        for mail in sent[seen:]:
            print(f"\n=== CORREO para {mail.to}: {mail.subject}\n{mail.text}\n===", flush=True)
        seen = len(sent)


def wait_until_up(url: str, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.3)


def help_desk_command(web_origin: str, moto_url: str) -> str:
    """The help desk's tool on this stack (R-ADM-1): its moto, and the pages its notices link to;
    the stage itself supplies the fake keys and the region (admin/stage.py)."""
    return (
        f"AWS_ENDPOINT_URL={moto_url} WEB_BASE_URL={web_origin} \\\n"
        f"    .venv/bin/ecuapass-admin show ID --stage {LOCAL_STAGE}"
    )


def banner(web_origin: str, api_url: str, moto_url: str) -> str:
    """What `make run` prints once the stack is up (README.md shows the same text)."""
    return (
        "Ecuapass — registro de Usuario General (entorno local)\n"
        f"  Formulario web:  {web_origin}/\n"
        f"  API:             {api_url}/v1/health\n"
        f"  Correos:         {web_origin}/outbox  (y aquí, en la consola)\n"
        f"  AWS emulado:     {moto_url} (moto: DynamoDB + SES)\n"
        "  Mesa de ayuda:   docs/help-desk.md; con el ID de una cuenta registrada aquí:\n"
        f"    {help_desk_command(web_origin, moto_url)}\n"
        "Para probar el formulario: cédula 1710034065 o RUC 1710034065001, teléfono 022345678,\n"
        "cualquier correo; el código de seguridad llega a «Correos». Los datos viven en memoria:\n"
        "se pierden al detener el entorno.\n"
        "Ctrl-C para detener."
    )


class Stop(Exception):
    """SIGINT or SIGTERM: stop the stack, children included, without a traceback."""


def _stop(signum: int, frame: object) -> None:
    raise Stop()


def main() -> int:
    from devstack.moto_server import MotoServer

    # Both signals, from the start: a process manager, a closing terminal or a test harness
    # sends SIGTERM to the whole group, and a background job starts with SIGINT ignored.
    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    moto_port, api_port, web_port = (
        _port("MOTO_PORT", 5000),
        _port("API_PORT", 8000),
        _port("WEB_PORT", 8080),
    )
    moto: MotoServer | None = None
    api: subprocess.Popen[bytes] | None = None
    web: ThreadingHTTPServer | None = None
    serving: threading.Thread | None = None
    stop = threading.Event()
    try:
        moto = MotoServer(moto_port).start()
        web_origin = f"http://{HOST}:{web_port}"
        api_url = f"http://{HOST}:{api_port}"
        env = local_environment(moto.url, web_origin)
        prepare_aws(env)
        # A session of its own, so that a Ctrl-C in the terminal reaches only this process,
        # which then ends the API itself (below) instead of chalice printing a traceback.
        api = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "devstack.api_server",
                "--stage",
                "local",
                "--host",
                HOST,
                "--port",
                str(api_port),
                "--no-autoreload",
            ],
            cwd=ROOT,
            env=env,
            start_new_session=True,
        )
        WebHandler.api_url = api_url
        web = ThreadingHTTPServer((HOST, web_port), partial(WebHandler, directory=str(WEB)))
        serving = threading.Thread(target=web.serve_forever, daemon=True)
        serving.start()
        threading.Thread(target=print_mails, args=(stop,), daemon=True).start()
        # R-MAIL-4: SES's mailbox simulator, through the same feedback handler as in AWS.
        threading.Thread(target=play_simulator, args=(stop,), daemon=True).start()
        wait_until_up(f"{api_url}/v1/health", api)
        print(f"\n{banner(web_origin, api_url, moto.url)}\n", flush=True)
        while api.poll() is None:
            time.sleep(0.5)
        print("chalice local terminó inesperadamente", file=sys.stderr)
        return 1
    except Stop:
        return 0
    except OSError as exc:
        # A port already taken (another `make run`?): say which, no traceback.
        print(f"No se pudo iniciar el entorno local: {exc}. Revise MOTO_PORT, API_PORT y "
              "WEB_PORT.", file=sys.stderr)  # fmt: skip
        return 1
    finally:
        # A second signal must not interrupt the clean-up half-way.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        stop.set()
        if api is not None and api.poll() is None:
            os.killpg(api.pid, signal.SIGTERM)
            try:
                api.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(api.pid, signal.SIGKILL)
                api.wait(timeout=5)
        if web is not None:
            if serving is not None and serving.is_alive():
                web.shutdown()
            web.server_close()
        if moto is not None:
            moto.stop()


if __name__ == "__main__":
    sys.exit(main())
