"""End to end in a real browser: Voilà serves the review notebook on 127.0.0.1, headless
Chromium (driven by Playwright) opens it, the widgets render, a click on *merge* changes the
pool. A screenshot of the page before and after the click is kept under tests/artifacts/.

Voilà rather than JupyterLab: it executes the notebook itself on opening and renders the
ipywidgets with the widget manager it ships, all offline, with no clicking through a
notebook UI to run cells.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from workbench.errors import PoolBusy
from workbench.jobs.runs import NOTEBOOK_DIR
from workbench.store.pool import run

ARTIFACTS = Path(__file__).parent / "artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]

pytestmark = pytest.mark.slow


def _need(what: str, ok: bool) -> None:
    if ok:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{what} is missing; .ci/run installs it.")
    pytest.skip(f"{what} is not installed here (`bash .ci/run` installs it).")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_listening(port: int, server: subprocess.Popen, seconds: float = 90) -> None:
    """Wait until Voilà accepts connections (a GET of the page would already run the
    notebook once)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"Voilà stopped with code {server.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(f"Voilà did not listen on port {port} within {seconds} s")


def _leads(pool, cluster_id: int) -> dict[int, int]:
    """record → lead of the cluster's records, retrying while the kernel holds the pool."""
    for _ in range(60):
        try:
            with pool.connect(read_only=True) as con:
                return dict(run(con, """
                    SELECT c.record_id, m.lead_id FROM clusters c
                    JOIN current_membership m USING (record_id)
                    WHERE c.cluster_id = ? AND m.lead_id IS NOT NULL""", [cluster_id]).fetchall())
        except PoolBusy:
            time.sleep(0.5)
    raise TimeoutError("the pool stayed busy")


@pytest.fixture
def voila_review(sample_pool, tmp_path):
    """Voilà serving a copy of the review notebook, on the sample pool; yields the URL."""
    _need("Voilà", shutil.which("voila") is not None or _module("voila"))
    work = tmp_path / "work"
    work.mkdir()
    shutil.copy(NOTEBOOK_DIR / "review_clusters.ipynb", work / "review_clusters.ipynb")
    port = _free_port()
    env = {**os.environ, "WORKBENCH_POOL": str(sample_pool.path)}
    log = (tmp_path / "voila.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "voila", "review_clusters.ipynb", "--no-browser",
         f"--port={port}", "--Voila.ip=127.0.0.1", "--show_tracebacks=True",
         "--VoilaExecutor.timeout=300"],
        cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        _wait_listening(port, server)
        yield f"http://127.0.0.1:{port}/"
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def _module(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is not None


def test_merge_click_in_the_browser_changes_the_pool(sample_pool, voila_review):
    _need("Playwright", _module("playwright"))
    _need("Chromium", Path(CHROMIUM).exists())
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1600})
            page.goto(voila_review, timeout=300_000)
            title = page.wait_for_selector(".wb-title", timeout=300_000)
            cluster_id = int(title.get_attribute("data-cluster"))
            # the unattended cell ran first: what was safe at 0.99 is merged already
            assert "'merged_clusters': 0," not in page.inner_text("body")
            assert len(set(_leads(sample_pool, cluster_id).values())) > 1
            # the rest of the screen rendered too: table, decisions, key box
            assert page.locator(".wb-cluster").count() == 1
            assert page.locator("button.wb-not_duplicates").count() == 1
            assert page.locator(".wb-keys input").count() == 1
            page.screenshot(path=str(ARTIFACTS / "review_before_merge.png"), full_page=True)
            page.click("button.wb-merge")
            page.wait_for_function(
                "id => document.body.innerText.includes(`cluster ${id}: merge`)",
                arg=cluster_id, timeout=120_000)
            page.screenshot(path=str(ARTIFACTS / "review_after_merge.png"), full_page=True)
            # the next cluster, decided from the keyboard: n = not duplicates
            following = int(page.wait_for_selector(
                f".wb-title:not([data-cluster='{cluster_id}'])").get_attribute("data-cluster"))
            page.click(".wb-keys input")
            page.keyboard.press("n")
            page.wait_for_function(
                "id => document.body.innerText.includes(`cluster ${id}: not_duplicates`)",
                arg=following, timeout=120_000)
        finally:
            browser.close()
    assert len(set(_leads(sample_pool, cluster_id).values())) == 1
    apart = _leads(sample_pool, following)
    assert len(set(apart.values())) == len(apart) > 1
    print(f"screenshots: {ARTIFACTS / 'review_before_merge.png'}, "
          f"{ARTIFACTS / 'review_after_merge.png'}")
