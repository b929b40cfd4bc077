"""Import benchmark: a 100,000-row .xlsx and a 1,000,000-row CSV, end to end.

    .venv/bin/python benchmarks/bench_import.py [--xlsx-rows 100000] [--csv-rows 1000000]

End to end means read, map headers, standardise, validate and store in a fresh DuckDB pool.
The baseline, measured in the same run on the same file, is `pandas.read_excel(...,
engine="openpyxl")` merely reading the .xlsx. Each measurement runs in a fresh process, so its
peak memory (VmHWM, the process's high-water RSS) is its own. Figures go to stdout; keep them in benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import xlsxwriter

HEADERS = {  # a trade-show export's own headers
    "lead_id": "线索编号", "name": "姓名", "phone": "手机号", "email": "邮箱", "wechat": "微信号",
    "company": "单位名称", "title": "职务", "province": "省份", "city": "城市",
    "address": "详细地址", "owner": "负责人", "updated_at": "更新时间",
}

MEASURE = r"""
import json, sys, time
kind, path, pool = sys.argv[1:4]
started = time.perf_counter()
if kind == "openpyxl":
    import pandas as pd
    rows = len(pd.read_excel(path, engine="openpyxl", dtype=str))
else:
    from workbench.ingest.importer import import_file
    from workbench.store.pool import Pool
    rows = import_file(Pool(pool), path, channel="展会").rows
seconds = time.perf_counter() - started
# VmHWM belongs to this process image alone (ru_maxrss would carry the forking parent's).
peak = next(int(line.split()[1]) * 1024 for line in open("/proc/self/status")
            if line.startswith("VmHWM:"))
print(json.dumps({"rows": rows, "seconds": seconds, "peak_bytes": peak}))
"""


def make_frame(rows: int) -> pd.DataFrame:
    from workbench.testdata.generate import generate_leads
    frame = generate_leads(rows, seed=7)
    return frame[list(HEADERS)].rename(columns=HEADERS)


def write_xlsx(frame: pd.DataFrame, path: Path) -> None:
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("线索")
    sheet.write_row(0, 0, ["2024年5月展会线索"])
    sheet.write_row(1, 0, list(frame.columns))
    phone = list(frame.columns).index("手机号")
    for i, row in enumerate(frame.itertuples(index=False), start=2):
        values = list(row)
        digits = str(values[phone] or "")
        if digits.isdigit():
            values[phone] = int(digits)  # phones stored as numbers, as Excel users do
        sheet.write_row(i, 0, values)
    book.close()


def measure(kind: str, path: Path, pool: Path) -> dict:
    out = subprocess.run([sys.executable, "-c", MEASURE, kind, str(path), str(pool)],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--xlsx-rows", type=int, default=100_000)
    parser.add_argument("--csv-rows", type=int, default=1_000_000)
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {platform.python_version()}, "
          f"{subprocess.run(['nproc'], capture_output=True, text=True).stdout.strip()} cores")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        started = time.perf_counter()
        xlsx_frame = make_frame(args.xlsx_rows)
        xlsx = tmp / "展会.xlsx"
        write_xlsx(xlsx_frame, xlsx)
        csv_path = tmp / "leads.csv"
        make_frame(args.csv_rows).to_csv(csv_path, index=False, encoding="gb18030")
        print(f"data written in {time.perf_counter() - started:.1f} s "
              f"(xlsx {xlsx.stat().st_size / 1e6:.1f} MB, csv {csv_path.stat().st_size / 1e6:.1f} MB)")

        baseline = measure("openpyxl", xlsx, tmp / "unused.duckdb")
        ours = measure("import", xlsx, tmp / "xlsx.duckdb")
        big = measure("import", csv_path, tmp / "csv.duckdb")

    def line(label, m):
        return (f"{label:<44} {m['rows']:>9,} rows {m['seconds']:>7.2f} s "
                f"{m['rows'] / m['seconds']:>9,.0f} rows/s  peak {m['peak_bytes'] / 2**30:.2f} GiB")

    print(line("baseline: pandas.read_excel(openpyxl), read only", baseline))
    print(line("workbench import of the same .xlsx, end to end", ours))
    print(line("workbench import of a GB18030 CSV, end to end", big))
    print(f"xlsx import time / openpyxl read time = {ours['seconds'] / baseline['seconds']:.2f} "
          "(below 1 means the whole import is faster than the read alone)")


if __name__ == "__main__":
    main()
