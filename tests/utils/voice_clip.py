"""A short MP3 written in tests where a recorded voice preview would be (the real clips come from
OpenAI's speech API, which the tests can't reach): a one-second two-tone chime, encoded with PyAV's
libmp3lame (PyAV is already here for aiortc)."""

from __future__ import annotations

import math
from pathlib import Path


def write_voice_clip(path: Path, seconds: float = 1.0, rate: int = 44_100) -> Path:
    import array

    import av

    path.parent.mkdir(parents=True, exist_ok=True)
    total = int(rate * seconds)
    samples = array.array(
        "h",
        (
            int(
                9000 * (math.sin(2 * math.pi * 440 * n / rate) + 0.5 * math.sin(2 * math.pi * 660 * n / rate))
            )
            for n in range(total)
        ),
    )
    with av.open(str(path), "w", format="mp3") as container:
        stream = container.add_stream("libmp3lame", rate=rate)
        stream.layout = "mono"
        frame_size = 1152
        for start in range(0, total, frame_size):
            chunk = samples[start : start + frame_size]
            frame = av.AudioFrame(format="s16", layout="mono", samples=len(chunk))
            frame.planes[0].update(chunk.tobytes())
            frame.sample_rate = rate
            frame.pts = start
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return path
