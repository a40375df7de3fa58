"""The certified-accuracy curve as a PNG (matplotlib, headless)."""

from __future__ import annotations

import io


def curve_png(curve: list[tuple[int, float]], title: str = "") -> bytes:
    """Certified accuracy (y) against the number of poisoned training samples (x)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 3.2), dpi=100)
    ax.plot([r for r, _ in curve], [a for _, a in curve], drawstyle="steps-post")
    ax.set_xlabel("poisoned training samples (insertions/removals)")
    ax.set_ylabel("certified accuracy")
    ax.set_ylim(0, 1)
    ax.grid(alpha=0.3)
    if title:
        ax.set_title(title, fontsize=9)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    plt.close(fig)
    return buf.getvalue()
