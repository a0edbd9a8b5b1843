#!/usr/bin/env python3
"""The last step of 'make bench': one table of every benchmark figure.

    bench-summary.py [--no-plots] DIR

Reads every DIR/*.json that a benchmark wrote (all but summary.json),
prints one table of all their rows with each figure's ratio to its peer,
writes the same as DIR/summary.json, and draws DIR/<bench>-<id>.png: the
distribution of each latency (empirical CDF, idle and under load side by
side) and each scaling curve.

A benchmark joins the table by writing DIR/<name>.json:

    {
      "bench": "rcu",                 short name, also the PNG prefix
      "title": "...",                 optional
      "rows": [                       one per figure
        {"id": "sync-busy",           experiment
         "figure": "p99",             which figure of it
         "what": "synchronize_rcu, 1 busy reader, p99",
         "condition": "idle",         or "load", or anything short
         "unit": "us",
         "better": "lower",           or "higher"
         "value": 1.2,                Grace's figure
         "peer": 21.1,                the peer's (null if none)
         "peer_name": "liburcu memb",
         "ratio": 0.057,              value / peer
         "note": "...",               optional: policies differ, ...
         "target": "<= 1.0x"}         optional
      ],
      "distributions": [              optional
        {"id": ..., "title": ..., "condition": ..., "unit": ...,
         "samples": {"Grace": [...], "liburcu memb": [...]}}
      ],
      "curves": [                     optional
        {"id": ..., "title": ..., "x": "readers", "y": "updates/s",
         "series": {"Grace": [[1, 2.0e5], [2, ...]], ...}}
      ]
    }

A file may also hold just a JSON array of rows of the simpler form that
bench-ramlist and the guest benchmarks (guestbench.py) write:

    {"name": "...", "unit": "...", "grace": 1.0, "peer": 2.0,
     "ratio": 0.5, "p99": ..., "max": ..., "peer_p99": ..., "peer_max": ...,
     "peer_name": "...", "higher_is_better": true}

(grace and peer are medians; peer_name, the tails and higher_is_better
are optional).  The bench is then named after the file, and a row with
tails gives a p99 and a max row too.

A JSON file in neither form is left out of the table, with a message.
Exit status: 0 when there was something to report and every plot was
drawn, 1 otherwise (no results, a file that is not JSON or a row that
lacks a field, matplotlib missing).
Figures are reported, never judged.
"""

import argparse
import glob
import json
import math
import os
import sys

ROW_KEYS = ("id", "figure", "condition", "unit", "value", "peer",
            "peer_name", "ratio")


class SummaryError(Exception):
    pass


def ratio(value, peer):
    return value / peer if value is not None and peer else None


def simple_rows(path, rows):
    """A bare array of simple rows, as a result of the full form."""
    bench = os.path.splitext(os.path.basename(path))[0]
    full = []
    for r in rows:
        if not isinstance(r, dict) or "name" not in r or "grace" not in r:
            raise SummaryError(f"{path}: a row lacks 'name' or 'grace'")
        common = {
            "id": r["name"], "condition": r.get("condition", "-"),
            "unit": r.get("unit", ""),
            "better": "higher" if r.get("higher_is_better") else "lower",
            "peer_name": r.get("peer_name"),
        }
        full.append(dict(common, figure="p50", what=r["name"],
                         value=r["grace"], peer=r.get("peer"),
                         ratio=r.get("ratio")))
        for tail in ("p99", "max"):
            if r.get(tail) is not None:
                peer = r.get("peer_" + tail)
                full.append(dict(common, figure=tail,
                                 what=f"{r['name']}, {tail}",
                                 value=r[tail], peer=peer,
                                 ratio=ratio(r[tail], peer)))
    return {"bench": bench, "rows": full}


def load(directory):
    """Returns the benchmarks' results, sorted by name."""
    results = []
    for path in sorted(glob.glob(os.path.join(directory, "*.json"))):
        if os.path.basename(path) == "summary.json":
            continue
        try:
            with open(path) as f:
                data = json.load(f)
        except (OSError, ValueError) as e:
            raise SummaryError(f"{path}: {e}")
        if isinstance(data, list):
            data = simple_rows(path, data)
        if not isinstance(data, dict) or "bench" not in data or \
                not isinstance(data.get("rows"), list):
            # Some other file (raw samples, say): not for the table.
            print(f"bench-summary: {path}: not in a format of the summary "
                  "(see bench-summary.py); left out")
            continue
        for row in data["rows"]:
            missing = [k for k in ROW_KEYS if k not in row]
            if missing:
                raise SummaryError(f"{path}: a row lacks {missing}")
        results.append(data)
    return results


def fmt(v):
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "-"
    if v == 0:
        return "0"
    a = abs(v)
    if a >= 1e6 or a < 1e-3:
        return f"{v:.3g}"
    if a >= 100:
        return f"{v:.0f}"
    return f"{v:.3g}"


def table(results):
    """The text table; notes are footnotes, numbered."""
    lines = []
    notes = []
    header = ("bench", "figure", "load", "unit", "Grace", "peer",
              "peer is", "ratio", "better", "")
    rows = []
    for data in results:
        for r in data["rows"]:
            mark = ""
            note = r.get("note")
            if note:
                if note not in notes:
                    notes.append(note)
                mark = f"[{notes.index(note) + 1}]"
            what = r.get("what") or f"{r['id']} {r['figure']}"
            rows.append((data["bench"], what,
                         r["condition"], r["unit"], fmt(r["value"]),
                         fmt(r["peer"]), r["peer_name"] or "-",
                         fmt(r["ratio"]) + ("x" if r["ratio"] else ""),
                         r.get("better", ""), mark))
    widths = [max(len(str(x[i])) for x in rows + [header])
              for i in range(len(header))]
    right = {4, 5, 7}
    for x in [header] + rows:
        cells = [str(c).rjust(w) if i in right else str(c).ljust(w)
                 for i, (c, w) in enumerate(zip(x, widths))]
        lines.append("  ".join(cells).rstrip())
    lines.insert(1, "-" * len(lines[0]))
    lines.append("")
    lines.append("ratio: Grace's figure over the peer's; 'better' says "
                 "which way is good.  Each benchmark prints how it "
                 "measured, above.")
    for i, note in enumerate(notes):
        lines.append(f"[{i + 1}] {note}")
    return "\n".join(lines)


def save(plt, fig, directory, name):
    path = os.path.join(directory, f"{name}.png")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def plots(results, directory):
    """Draws the PNGs; returns their paths."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    made = []
    for data in results:
        bench = data["bench"]
        by_id = {}
        for d in data.get("distributions", []):
            by_id.setdefault(d["id"], []).append(d)
        for ident, dists in by_id.items():
            fig, axes = plt.subplots(1, len(dists), squeeze=False,
                                     figsize=(5.5 * len(dists), 4))
            for ax, d in zip(axes[0], dists):
                for name, samples in sorted(d["samples"].items()):
                    xs = sorted(v for v in samples if v > 0)
                    if not xs:
                        continue
                    ys = [(i + 1) / len(xs) for i in range(len(xs))]
                    ax.step(xs, ys, where="post", label=name)
                ax.set_xscale("log")
                ax.set_xlabel(d["unit"])
                ax.set_ylabel("fraction of samples")
                ax.set_title(f"{d['title']} ({d['condition']})", fontsize=9)
                ax.grid(True, which="both", alpha=0.3)
                ax.legend(fontsize=8)
            made.append(save(plt, fig, directory, f"{bench}-{ident}"))
        for c in data.get("curves", []):
            fig, ax = plt.subplots(figsize=(5.5, 4))
            for name, points in sorted(c["series"].items()):
                ax.plot([p[0] for p in points], [p[1] for p in points],
                        marker="o", label=name)
            ax.set_xlabel(c["x"])
            ax.set_ylabel(c["y"])
            ax.set_yscale("log")
            ax.set_title(c["title"], fontsize=9)
            ax.grid(True, which="both", alpha=0.3)
            ax.legend(fontsize=8)
            made.append(save(plt, fig, directory, f"{bench}-{c['id']}"))
    return made


def main(argv):
    p = argparse.ArgumentParser(
        description="Merge the benchmarks' JSON results into one table.")
    p.add_argument("directory", help="where the benchmarks wrote *.json")
    p.add_argument("--no-plots", action="store_true",
                   help="only the table and summary.json")
    args = p.parse_args(argv)

    try:
        results = load(args.directory)
    except SummaryError as e:
        print(f"bench-summary: {e}")
        return 1
    if not results:
        print(f"bench-summary: no results in {args.directory}")
        return 1

    print()
    print("Summary of every benchmark figure (from "
          f"{os.path.join(args.directory, '*.json')})")
    print(table(results))
    summary = {
        "benches": [d["bench"] for d in results],
        "rows": [dict(r, bench=d["bench"]) for d in results
                 for r in d["rows"]],
    }
    out = os.path.join(args.directory, "summary.json")
    with open(out, "w") as f:
        json.dump(summary, f, indent=1)
        f.write("\n")
    print(f"written: {out}")

    if args.no_plots:
        return 0
    try:
        made = plots(results, args.directory)
    except ImportError:
        print("bench-summary: matplotlib is missing (Debian package "
              "python3-matplotlib; scripts/install-deps.sh installs it): "
              "no plots")
        return 1
    for path in made:
        print(f"plot: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
