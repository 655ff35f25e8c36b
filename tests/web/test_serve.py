"""`coach serve` as users run it: a child process on loopback, index built on first start."""

from __future__ import annotations

import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING

from typer.testing import CliRunner

from app.cli.main import build_cli

if TYPE_CHECKING:
    from tests.web.conftest import Server


def test_serve_help_lists_host_and_port() -> None:
    out = CliRunner().invoke(build_cli(), ["serve", "--help"])
    assert out.exit_code == 0 and "--host" in out.output and "--port" in out.output


def test_serve_builds_the_index_then_serves_pages_and_api(tmp_path: Path, make_server: type[Server]) -> None:
    srv = make_server(tmp_path / "data")
    srv.start()
    try:
        assert (tmp_path / "data" / "index").is_dir()
        assert (tmp_path / "data" / "coach.db").is_file()
        with urllib.request.urlopen(srv.url + "/") as r:
            assert r.status == 200 and '<html lang="zh-CN">' in r.read().decode()
        assert srv.api("GET", "/readyz")["checks"] == {"database": True, "scenarios": True, "index": True}
        sid = srv.api("POST", "/api/v1/sessions", {"scenario": "closing"})["id"]
        assert srv.api("GET", "/api/v1/sessions")[0]["id"] == sid
    finally:
        srv.stop()
