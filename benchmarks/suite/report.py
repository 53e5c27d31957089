"""Printing, JSON and a PNG bar chart (matplotlib when installed, else
Pillow) of the benchmark rows.

A row: {"group", "name", "torchlet", "torch", "unit", "ratio", "target", "met"}
where torchlet/torch are the medians (seconds, bytes or a fraction) and
ratio = torchlet / torch (None without PyTorch)."""

import json
import os


def _fmt(v, unit):
    if v is None:
        return "-"
    if unit == "s":
        if v < 1e-3:
            return f"{v * 1e6:.1f} us"
        if v < 1:
            return f"{v * 1e3:.2f} ms"
        return f"{v:.3f} s"
    if unit == "B":
        return f"{v / 2**20:.1f} MiB"
    if unit == "frac":
        return f"{v * 100:.0f}%"
    if unit == "samples/s":
        return f"{v:,.0f}/s"
    return f"{v:.3g}"


def row_text(r):
    ratio = "-" if r.get("ratio") is None else f"{r['ratio']:.2f}"
    target = r.get("target") or ""
    met = {True: "ok", False: "MISSED", None: ""}[r.get("met")]
    return (
        f"{r.get('threads', ''):<8} {r['group']:<10} {r['name']:<28} {_fmt(r['torchlet'], r['unit']):>12} "
        f"{_fmt(r.get('torch'), r['unit']):>12} {ratio:>7} {target:>8} {met}"
    )


HEADER = f"{'threads':<8} {'group':<10} {'workload':<28} {'torchlet':>12} {'torch':>12} {'ratio':>7} {'target':>8}"


def label(r):
    """A row's name in the chart: thread setting, group, workload."""
    return f"[{r.get('threads', '1')}] {r['group']}: {r['name']}"


def write_json(path, meta, rows):
    """Written atomically: a temporary file beside `path`, then renamed."""
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "w") as f:
        json.dump({"meta": meta, "results": rows}, f, indent=1)
    os.replace(tmp, path)


def write_png(path, rows, title):
    """Bars of torchlet/PyTorch ratios (1.0 = parity), target marks in red."""
    rows = [r for r in rows if r.get("ratio") is not None]
    if not rows:
        return
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return _png_pillow(path, rows, title)
    fig, ax = plt.subplots(figsize=(8, 0.3 * len(rows) + 1.2))
    labels = [label(r) for r in rows]
    ys = range(len(rows))
    ax.barh(
        ys, [r["ratio"] for r in rows], color=["tab:green" if r.get("met") is not False else "tab:orange" for r in rows]
    )
    for y, r in zip(ys, rows):
        if r.get("limit") is not None:
            ax.plot([r["limit"]] * 2, [y - 0.4, y + 0.4], color="red")
    ax.axvline(1.0, color="black", linewidth=0.8)
    ax.set_yticks(list(ys), labels, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("torchlet / PyTorch (lower is better)")
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    tmp = f"{path}.tmp{os.getpid()}"
    fig.savefig(tmp, dpi=120, format="png")
    os.replace(tmp, path)
    plt.close(fig)


def _png_pillow(path, rows, title):
    from PIL import Image, ImageDraw

    left, bar_h, width = 260, 16, 760
    plot_w = width - left - 60
    height = 50 + bar_h * len(rows) + 30
    vmax = max(2.0, max(max(r["ratio"], r.get("limit") or 0) for r in rows) * 1.05)
    img = Image.new("RGB", (width, height), "white")
    d = ImageDraw.Draw(img)
    d.text((10, 8), title, fill="black")
    d.text((10, 24), "torchlet / PyTorch time (lower is better); red tick = target; line = 1.0", fill="gray")
    scale = plot_w / vmax
    top = 44
    for i, r in enumerate(rows):
        y = top + i * bar_h
        d.text((6, y + 2), label(r)[:44], fill="black")
        color = (60, 160, 80) if r.get("met") is not False else (230, 140, 30)
        d.rectangle([left, y + 2, left + r["ratio"] * scale, y + bar_h - 3], fill=color)
        d.text((left + r["ratio"] * scale + 4, y + 2), f"{r['ratio']:.2f}", fill="black")
        if r.get("limit") is not None:
            x = left + r["limit"] * scale
            d.line([x, y, x, y + bar_h - 1], fill="red", width=2)
    x1 = left + scale
    d.line([x1, top - 4, x1, top + bar_h * len(rows)], fill="black")
    tmp = f"{path}.tmp{os.getpid()}"
    img.save(tmp, format="PNG")
    os.replace(tmp, path)
