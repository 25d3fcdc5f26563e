"""Sampling profiles of running processes with py-spy, for the benchmarks' ``--profile``.

Each process gets one ``py-spy record`` (non-blocking: the process is not paused to be
sampled) for the measured window. It writes a flame graph (SVG) and the collapsed stacks,
and the report lists the frames where each process spends its own time ("self") and the
frames most often on its stack ("total"). A profiled run's CPU figures include py-spy's
sampling in nothing (py-spy is its own process, not counted), but the sampled process
is interrupted briefly at each sample: report CPU from runs without ``--profile``.
"""

from __future__ import annotations

import collections
import html
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from benchlib import table

__all__ = ["Profiler", "hot_frames", "profiles_section"]


@dataclass
class Profiler:
    """py-spy on each of ``pids`` (name -> pid), written next to ``stem``."""

    pids: dict[str, int]
    stem: Path
    rate_hz: int = 100
    _procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def paths(self, name: str) -> tuple[Path, Path, Path]:
        """The flame graph, the hot frames and the collapsed stacks of process ``name``."""
        base = self.stem.parent / f"{self.stem.stem}.profile.{name}"
        return (
            base.with_name(base.name + ".svg"),
            base.with_name(base.name + ".txt"),
            base.with_name(base.name + ".collapsed"),
        )

    def start(self, seconds: float) -> None:
        beside = Path(sys.executable).parent / "py-spy"  # the venv's, when not activated
        exe = shutil.which("py-spy") or (str(beside) if beside.exists() else None)
        if exe is None:
            raise SystemExit("--profile needs py-spy (uv sync installs it)")
        for name, pid in self.pids.items():
            collapsed = self.paths(name)[2]
            self._procs[name] = subprocess.Popen(
                [
                    exe,
                    "record",
                    "--pid",
                    str(pid),
                    "--rate",
                    str(self.rate_hz),
                    "--duration",
                    str(int(seconds) + 1),
                    "--nonblocking",
                    "--format",
                    "raw",
                    "--output",
                    str(collapsed),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )

    def finish(self, top: int = 12) -> dict[str, tuple[int, list[tuple[str, float, float]]]]:
        """Wait for every recorder; write each flame graph and hot-frame list; return
        name -> (samples, [(frame, self %, total %)])."""
        out = {}
        for name, proc in self._procs.items():
            proc.wait(timeout=120)
            svg, txt, collapsed = self.paths(name)
            if not collapsed.exists():
                continue
            samples, hot = hot_frames(collapsed.read_text(), top)
            out[name] = (samples, hot)
            txt.write_text(
                f"{name}: {samples} samples\n"
                + "".join(f"{s:5.1f}% self {t:5.1f}% total  {f}\n" for f, s, t in hot)
            )
            _flamegraph(collapsed, svg)
        return out


@dataclass
class _Node:
    count: int = 0
    children: dict[str, _Node] = field(default_factory=dict)


def _flamegraph(collapsed: Path, svg: Path, width: int = 1600, row: int = 16) -> None:
    """A flame graph (SVG, a tooltip per frame) from collapsed stacks: py-spy writes one
    format per run, and the collapsed ones also give the hot-frame lists."""
    root = _Node()
    for line in collapsed.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        node = root
        node.count += int(count)
        for frame in stack.split(";"):
            node = node.children.setdefault(frame, _Node())
            node.count += int(count)
    if root.count == 0:
        return
    rects: list[str] = []
    depth = 0

    def draw(node: _Node, x: float, level: int) -> None:
        nonlocal depth
        depth = max(depth, level)
        for frame, child in sorted(node.children.items()):
            w = child.count * width / root.count
            if w >= 0.5:
                label = html.escape(frame)
                pct = 100 * child.count / root.count
                hue = 20 + (hash(frame.split(" ")[0]) % 40)
                text = label[: int(w / 7)] if w > 30 else ""
                rects.append(
                    f"<g><title>{label} ({child.count} samples, {pct:.1f}%)</title>"
                    f'<rect x="{x:.1f}" y="{{y{level}}}" width="{w:.1f}" height="{row - 1}" '
                    f'fill="hsl({hue},80%,60%)"/><text x="{x + 2:.1f}" y="{{t{level}}}" '
                    f'font-size="11" font-family="monospace">{text}</text></g>'
                )
                draw(child, x, level + 1)
            x += w

    draw(root, 0.0, 0)
    height = (depth + 1) * row
    body = "\n".join(rects)
    for level in range(depth + 1):  # the root at the bottom, as flame graphs grow
        y = height - (level + 1) * row
        body = body.replace(f"{{y{level}}}", str(y)).replace(f"{{t{level}}}", str(y + 11))
    svg.write_text(
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}">'
        f"\n{body}\n</svg>\n"
    )


def hot_frames(collapsed: str, top: int) -> tuple[int, list[tuple[str, float, float]]]:
    """From collapsed stacks (``a;b;c count`` per line): the frames with the most self
    samples, each with its self and total share of all samples."""
    own: collections.Counter[str] = collections.Counter()
    total: collections.Counter[str] = collections.Counter()
    samples = 0
    for line in collapsed.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        samples += n
        frames = stack.split(";")
        own[frames[-1]] += n
        for frame in set(frames):
            total[frame] += n
    if samples == 0:
        return 0, []
    pct = 100.0 / samples
    by_total = [f for f, _ in total.most_common() if _is_ours(f)][:top]
    chosen = [f for f, _ in own.most_common(top)] + [f for f in by_total if f not in own]
    return samples, [(f, own[f] * pct, total[f] * pct) for f in chosen[: top * 2]]


def _is_ours(frame: str) -> bool:
    return "kairos_" in frame


def profiles_section(
    profiler: Profiler, profiles: dict[str, tuple[int, list[tuple[str, float, float]]]]
) -> str:
    """A report section: per process, a link to its flame graph (written beside the report)
    and the frames it spends its time in."""
    out = "\n## Profiles (py-spy, non-blocking; CPU figures of this run are not the result)\n"
    for name, (samples, hot) in sorted(profiles.items()):
        svg = profiler.paths(name)[0]
        out += f"\n### {name}: {samples} samples, [flame graph]({svg.name})\n\n"
        out += table(
            ("frame", "self %", "total %"),
            [(f"`{f}`", f"{a:.1f}", f"{b:.1f}") for f, a, b in hot],
        )
    return out
