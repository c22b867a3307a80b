"""``siamtrack demo``: the bundled clip tracked from the built-in detector and from its public
detections, both scored against its ground truth. What a new user runs first."""

from __future__ import annotations

from pathlib import Path

from siamtrack.configs import Config
from siamtrack.tracker.eval.metrics import score_sequence

from .track import run_track

# shipped inside the package (package data), so the demo runs from a wheel as from a checkout
DEMO_DATA = Path(__file__).resolve().with_name("clip")
DEMO_SEQ = "TUD-Campus"


def run_demo(out: Path, config: Config, progress: bool = True) -> dict[str, dict[str, float]]:
    seq_dir = DEMO_DATA / DEMO_SEQ
    table = {}
    runs = (("built-in detector (SSDLite)", None), ("public detections (det.txt)", seq_dir / "det" / "det.txt"))
    for label, detections in runs:
        tag = "detector" if detections is None else "public"
        video = out / f"{DEMO_SEQ}.{tag}.mp4"
        # the result file must be named <SEQ>.txt for scoring: one folder per run
        mot = out / tag / f"{DEMO_SEQ}.txt"
        summary = run_track(seq_dir, config, video, mot, detections, progress=progress)
        metrics = score_sequence(DEMO_DATA, DEMO_SEQ, mot).summary()
        table[label] = metrics
        print(f"{label:30s} HOTA {metrics['HOTA']:5.1f}  IDF1 {metrics['IDF1']:5.1f}  MOTA {metrics['MOTA']:5.1f}  "
              f"IDSW {metrics['IDSW']:3d}  {summary.fps:6.1f} fps  -> {video}")
    return table
