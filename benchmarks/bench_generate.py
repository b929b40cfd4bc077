"""Time the synthetic data generator: `python benchmarks/bench_generate.py [ROWS]`.

Prints wall and CPU seconds of `generate_leads` and `generate_people` for ROWS records
(default 1,000,000), and of `write_channel_files` for a tenth of them.
"""

from __future__ import annotations

import sys
import tempfile
import time

from workbench.testdata.generate import generate_leads, generate_people, write_channel_files


def timed(label: str, func, *args):
    wall, cpu = time.perf_counter(), time.process_time()
    result = func(*args)
    print(f"{label}: wall {time.perf_counter() - wall:.1f} s, cpu {time.process_time() - cpu:.1f} s")
    return result


if __name__ == "__main__":
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    generate_leads(100)  # load pypinyin's dictionaries outside the timing
    leads = timed(f"generate_leads({rows:,})", generate_leads, rows, 0)
    timed(f"generate_people({rows:,})", generate_people, rows, 0)
    with tempfile.TemporaryDirectory() as out:
        part = leads.iloc[: rows // 10]
        timed(f"write_channel_files({len(part):,})", write_channel_files, part, out)
