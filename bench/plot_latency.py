#!/usr/bin/env python3
"""Draws latency against send rate from a load-harness run (results.json) into a PNG.

    /usr/bin/python3 bench/plot_latency.py artifacts/bench/latest.json docs/images/benchmarks-latency.png

Needs matplotlib (Debian: apt-get install python3-matplotlib). One panel per ladder (S1, S2 per room size, S3):
p99 solid, p50 dashed, one colour per server, the 250 ms pass line in grey.
"""
import json
import math
import os
import sys

try:
    import matplotlib
except ImportError:
    # A python3 first on PATH (pyenv, a venv) may not see the system's python3-matplotlib: use the system's python.
    if os.path.realpath(sys.executable) != os.path.realpath("/usr/bin/python3") and os.path.exists("/usr/bin/python3"):
        os.execv("/usr/bin/python3", ["/usr/bin/python3", *sys.argv])
    sys.exit("matplotlib is missing: apt-get install python3-matplotlib")

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

COLOURS = {"baseline": "#555555", "chatkit": "#1f77b4", "chatkit-sqlite": "#2ca02c", "chatkit-postgres": "#d62728"}


def main(source, target):
    with open(source, encoding="utf-8") as f:
        run = json.load(f)
    ladders = run.get("ladders", [])
    if not ladders:
        sys.exit("no ladder in " + source)
    cols = min(3, len(ladders))
    rows = math.ceil(len(ladders) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(5.2 * cols, 3.9 * rows), squeeze=False)
    for ax in axes.flat[len(ladders):]:
        ax.axis("off")
    for ax, ladder in zip(axes.flat, ladders):
        by_server = {}
        for step in ladder["steps"]:
            by_server.setdefault(step["server"], {})[step["rate"]] = step  # the last run of a rate wins
        for server, steps in by_server.items():
            rates = sorted(steps)
            colour = COLOURS.get(server)
            p99 = [steps[r]["latency"]["p99"] for r in rates]
            p50 = [steps[r]["latency"]["p50"] for r in rates]
            ax.plot(rates, p99, "-o", color=colour, markersize=3, label=f"{server} p99")
            ax.plot(rates, p50, "--", color=colour, linewidth=1, label=f"{server} p50")
            failed = [(r, steps[r]["latency"]["p99"]) for r in rates if not passed(steps[r])]
            if failed:
                ax.plot(*zip(*failed), "x", color=colour, markersize=7)
        ax.axhline(250, color="#999999", linewidth=0.8)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(f'{ladder["scenario"]}: {ladder["title"]}', fontsize=9)
        ax.set_xlabel("messages sent per second")
        ax.set_ylabel("send to receipt, ms")
        ax.grid(True, which="both", linewidth=0.3)
        ax.legend(fontsize=7)
    fig.suptitle(f'ChatKit vs bare SignalR baseline, {run["startedUtc"][:16].replace("T", " ")} UTC (x = step failed)', fontsize=10)
    fig.tight_layout()
    fig.savefig(target, dpi=110)
    print("wrote", target)


def passed(step):
    lat = step["latency"]["p99"]
    lost = step["expected"] - step["received"]
    return step["errors"] == 0 and lost <= 0 and step["received"] > 0 and isinstance(lat, (int, float)) and lat < 250


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "artifacts/bench/latest.json",
         sys.argv[2] if len(sys.argv) > 2 else "docs/images/benchmarks-latency.png")
