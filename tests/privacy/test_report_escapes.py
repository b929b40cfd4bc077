"""Every HTML page escapes what came from data: the quality report, rendered for real."""

import re

import pytest

from workbench.ingest.importer import import_file
from workbench.jobs.report import write_report
from workbench.quality.measures import styled
from workbench.store.pool import Pool

XSS = "<img src=x onerror=alert(1)>"


def test_styled_tables_escape_cells():
    import pandas as pd

    html = styled(pd.DataFrame({"channel": [XSS], "completeness": [0.5]})).to_html()
    assert XSS not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "50.0%" in html


@pytest.mark.slow
def test_a_channel_named_like_html_shows_as_text_in_the_report(tmp_path):
    pool = Pool(tmp_path / "pool.duckdb")
    path = tmp_path / "in.csv"
    path.write_text(f"姓名,手机,备注\n张伟,13812345678,{XSS}\n王芳,12345,<script>x()</script>\n",
                    encoding="utf-8")
    import_file(pool, path, channel=XSS)
    files = write_report(pool, tmp_path / "report", progress=False)
    html = files.html.read_text(encoding="utf-8")
    assert "onerror=alert(1)&gt;" in html  # the channel is there, as text
    # No element anywhere carries the handler (nbconvert rewrites a live tag's attributes, so
    # look for any tag with onerror, not for the text as written).
    assert not re.search(r"<[a-z][^>]*\bonerror\s*=", html, re.IGNORECASE)
    assert "<script>x()" not in html
