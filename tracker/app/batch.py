"""``siamtrack track A B ...`` or ``siamtrack track FOLDER_OF_VIDEOS --out-dir D``: every source a
unit (``units.py``), tracked serially, on local workers or on Ray, into ``D/<name>.tracked.*``."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from siamtrack.configs import Config
from siamtrack.siamese_cnn.errors import InputError
from siamtrack.tracker.io.mot import IMAGE_EXTENSIONS

from .track import TrackSummary, run_track
from .units import Engine, Outcome, Unit, run_units

VIDEO_EXTENSIONS = (".mp4", ".avi", ".mkv", ".mov", ".m4v", ".webm", ".mpg", ".mpeg", ".ts", ".wmv", ".flv")


def videos_in(folder: Path) -> list[Path] | None:
    """The videos of a folder of videos, by name; None when the folder is something else to track
    (an image folder or a MOT sequence)."""
    files = [p for p in folder.iterdir() if p.is_file()]
    if (folder / "seqinfo.ini").is_file() or any(p.suffix.lower() in IMAGE_EXTENSIONS for p in files):
        return None
    videos = sorted(p for p in files if p.suffix.lower() in VIDEO_EXTENSIONS)
    if not videos:
        raise InputError(f"{folder}: holds no images and no videos ({', '.join(VIDEO_EXTENSIONS[:4])}, ...)")
    return videos


def expand_sources(sources: list[str]) -> list[str]:
    """Folders of videos become their videos; everything else is a source as given."""
    out: list[str] = []
    for source in sources:
        path = Path(source)
        videos = videos_in(path) if path.is_dir() else None
        out.extend(str(v) for v in videos) if videos else out.append(source)
    return out


def output_paths(sources: list[str], out_dir: Path, stem, video: bool) -> list[tuple[Path | None, Path]]:
    """(video, tracks) for each source, named after it; two sources of one name are refused
    before any work, not overwritten."""
    names = [stem(s) for s in sources]
    seen: dict[str, str] = {}
    for source, name in zip(sources, names, strict=True):
        if name in seen:
            raise InputError(f"{source}: its outputs would overwrite those of {seen[name]} "
                             f"({out_dir / name}.tracked.*); track them into different --out-dir folders")
        seen[name] = source
    return [((out_dir / f"{n}.tracked.mp4") if video else None, out_dir / f"{n}.tracked.txt") for n in names]


def _one_source(source: str, config: Config, video: Path | None, mot: Path, options: dict) -> TrackSummary:
    return run_track(source, config, video, mot, progress=False, **options)


def track_many(sources: list[str], out_dir: Path, config: Config, engine: Engine, stem, video: bool,
               options: dict, progress: bool = True) -> list[Outcome]:
    """Each source tracked into ``out_dir``; outcomes in the sources' order. On several workers no
    run pins its threads to CPUs (``pin_cpus``) and each detector runs on one thread: the workers
    share the machine."""
    paths = output_paths(sources, out_dir, stem, video)
    out_dir.mkdir(parents=True, exist_ok=True)
    if not engine.serial:
        config = dataclasses.replace(config, pin_cpus=False,
                                     detector=dataclasses.replace(config.detector, threads=1))
    units = [Unit(source, _one_source, (source, config, v, m, options))
             for source, (v, m) in zip(sources, paths, strict=True)]
    return run_units(units, engine, progress, desc="sources")
