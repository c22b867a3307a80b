"""The ``siamtrack`` command: parse flags, build objects from the config, run them.

Kept thin on purpose; the work lives in the modules it calls.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import re
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from siamtrack.configs import Config, ConfigError, load_config
from siamtrack.siamese_cnn.errors import InputError

from .runtime import tune_for_speed

# --detector-speed: the SSDLite tiling it stands for (tracker/detectors/tiles.py). fast: one pass unless the
# frame is wider than 1.5:1 (a 1224x370 street in one pass is hopeless); accurate: the shipped default.
DETECTOR_SPEEDS = {"fast": {"tiles": "auto", "tile_aspect": 1.5}, "accurate": None}


def _detector_speed(speed: str) -> list[str]:
    """The ``--set`` overrides ``--detector-speed`` stands for."""
    from siamtrack.configs import default_config

    shipped = default_config().detector.ssdlite
    chosen = DETECTOR_SPEEDS[speed] or {"tiles": shipped.tiles, "tile_aspect": shipped.tile_aspect}
    return [f"detector.ssdlite.{key}={value}" for key, value in chosen.items()]


def _checked(convert, ok, expected: str):
    """An argparse type: ``convert`` the text, keep it if ``ok``, else say what was ``expected``."""
    def parse(text: str):
        try:
            value = convert(text)
        except ValueError:
            value = None
        if value is None or not ok(value):
            raise argparse.ArgumentTypeError(f"expected {expected}, not {text!r}")
        return value
    return parse


_positive_int = _checked(int, lambda v: v >= 1, "a whole number of at least 1")
_positive_float = _checked(float, lambda v: 0 < v < float("inf"), "a positive number")
_probability = _checked(float, lambda v: 0 <= v <= 1, "a number from 0 to 1")


def _output_stem(source: str) -> str:
    """The default outputs' name: a file's or folder's stem, ``webcam0``, or the stream URL's last part."""
    from urllib.parse import urlparse

    from siamtrack.tracker.io.frames import is_stream

    if source.isdigit():
        return f"webcam{source}"
    name = Path(urlparse(source).path).name if is_stream(source) or "://" in source else Path(source).name
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", name.split(".")[0]) if name else ""
    return stem or (re.sub(r"[^A-Za-z0-9._-]+", "_", urlparse(source).hostname or "") or "tracks")


def _version() -> str:
    try:
        return version("siamtrack")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown (not installed)"


def _add_device_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--device", help="where the CNN runs: cpu, cuda, cuda:N or auto (a GPU when there is one; "
                                         "the default, matcher.device)")


def _add_unit_flags(parser: argparse.ArgumentParser, units: str) -> None:
    parser.add_argument("--workers", type=_positive_int, default=1,
                        help=f"{units} at a time, each in a process of its own (default: 1, this process); "
                             "results are the same as one at a time")
    parser.add_argument("--engine", choices=["local", "ray"], default="local",
                        help=f"local: --workers processes here; ray: the {units} as Ray tasks (pip install "
                             "'siamtrack[ray]'), on --address's cluster or a Ray instance started for the run")
    parser.add_argument("--address", help="--engine ray: a running cluster's address (ray start --head; "
                                          "e.g. 10.0.0.5:6379 or auto); its nodes must see the same paths")


def _add_cache_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--cache-dir", type=Path, help="perception cache: each sequence's detections and descriptors, "
                                                       "computed once and reused by later runs and by every worker "
                                                       "(default: $SIAMTRACK_CACHE or ~/.cache/siamtrack/perception)")
    parser.add_argument("--no-cache", action="store_true", help="compute the perception afresh and keep it only "
                                                                "for this run")


def _cache_dir(args: argparse.Namespace) -> Path | None:
    from siamtrack.tracker.core.perception_store import default_cache_dir

    if args.no_cache and args.cache_dir:
        raise InputError("--no-cache and --cache-dir: give one")
    return None if args.no_cache else (args.cache_dir or default_cache_dir())


def _engine(args: argparse.Namespace):
    from .units import Engine

    if args.address and args.engine != "ray":
        raise InputError("--address is for --engine ray")
    return Engine(args.engine, args.workers, args.address)


def _add_config_flags(parser: argparse.ArgumentParser, defaults: str = "configs/default.yaml") -> None:
    parser.add_argument("--config", type=Path, help=f"YAML file overriding {defaults} (only the keys it names)")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                        help="override one setting, e.g. --set tracker.min_hits=2 (repeatable)")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="siamtrack", description="Multi-object tracking with a Siamese CNN.")
    parser.add_argument("--version", action="version", version=f"siamtrack {_version()}")
    sub = parser.add_subparsers(dest="command", required=True)

    ev = sub.add_parser("eval", help="track a MOTChallenge-layout folder and report HOTA, MOTA, IDF1, ...")
    ev.add_argument("--data", type=Path, required=True, help="folder of sequences (<SEQ>/gt/gt.txt, det/, img1/)")
    ev.add_argument("--seqs", help="comma-separated sequence names (default: all in --data)")
    ev.add_argument("--det", help="detection file inside each sequence (default: det/det.txt)")
    ev.add_argument("--out", type=Path, help="output folder for <SEQ>.txt and metrics.json")
    ev.add_argument("--scorer", choices=["geometry", "learned"], help="link scorer (overrides the config)")
    ev.add_argument("--mode", choices=["online", "global"], help="frame by frame, or offline min-cost flow")
    _add_cache_flags(ev)
    _add_device_flag(ev)
    _add_unit_flags(ev, "sequences")
    _add_config_flags(ev)

    tr = sub.add_parser("track", help="track a video, image folder or MOT sequence; write an annotated video and "
                                      "MOT-format tracks")
    tr.add_argument("source", nargs="+", help="video file (mp4, avi, ...), image folder, MOT sequence folder, webcam "
                                              "index (0) or stream URL (rtsp://, http(s)://, file://); several, or a "
                                              "folder of videos, are tracked one by one (or by --workers) into "
                                              "--out-dir")
    tr.add_argument("--out-dir", type=Path, help="several sources: the folder for each one's <name>.tracked.mp4 "
                                                 "and .txt (default: the current folder)")
    tr.add_argument("-o", "--output", type=Path, help="annotated video to write (default: <name>.tracked.mp4)")
    tr.add_argument("--mot-output", type=Path, help="MOT-format tracks to write (default: <name>.tracked.txt)")
    tr.add_argument("--no-video", action="store_true", help="write only the MOT-format tracks")
    tr.add_argument("--show", action="store_true", help="also show the annotated frames in a window (q stops; the "
                                                        "picture is the video's, a second or two behind)")
    tr.add_argument("--detections", type=Path, help="MOT-format detection file instead of a detector")
    tr.add_argument("--detector", choices=["ssdlite", "hog", "onnx"],
                    help="detector when no --detections are given (default: detector.default, ssdlite)")
    tr.add_argument("--model", type=Path, help="ONNX detector model (with --detector onnx)")
    tr.add_argument("--detector-speed", choices=list(DETECTOR_SPEEDS),
                    help="ssdlite: accurate = overlapping tiles, finds small people (768x576: ~27 fps end to end on "
                         "2 cores); fast = the whole frame in one pass unless it is wider than 1.5:1 (~56 fps), "
                         "misses distant people (default: the config's detector.ssdlite, = accurate)")
    tr.add_argument("--scorer", choices=["geometry", "learned"], help="link scorer (overrides the config)")
    tr.add_argument("--max-frames", type=_positive_int, help="stop after this many frames")
    tr.add_argument("--conf", type=_probability, help="detection threshold: calibrated scores below it are ignored "
                                                      "(tracker.min_score)")
    tr.add_argument("--fps", type=_positive_float, help="the source's frame rate, when it says none or says it wrong")
    tr.add_argument("--timeout", type=_positive_float, default=10.0,
                    help="streams: seconds to wait for a connection or a frame (default: 10)")
    tr.add_argument("--reconnects", type=int, default=3, help="streams: reconnects in a row before the stream is "
                                                              "taken as ended (default: 3)")
    _add_device_flag(tr)
    _add_unit_flags(tr, "sources")
    _add_config_flags(tr)

    tu = sub.add_parser("tune", help="search the tracker rules for the best mean HOTA over labelled sequences; "
                                     "write them as a config file")
    tu.add_argument("--data", type=Path, required=True, help="folder of MOT sequences with gt, det (and img1/)")
    tu.add_argument("--seqs", help="comma-separated sequences to tune on (default: all in --data)")
    tu.add_argument("--trials", type=_positive_int, default=40, help="settings tried (default: 40)")
    tu.add_argument("--seed", type=int, default=0, help="seed of the search (same seed, same result)")
    tu.add_argument("--out", type=Path, required=True, help="config file to write (YAML; give it to --config)")
    tu.add_argument("--space", type=Path, help="search space file (default: configs/tune.yaml)")
    tu.add_argument("--rates", default="1", help="also tune on each sequence at 1/k of its frame rate, e.g. 1,2,3 "
                                                 "(rules that hold for slower cameras too; default: 1)")
    tu.add_argument("--scorer", choices=["geometry", "learned"], help="link scorer (overrides the config)")
    tu.add_argument("--batch", type=_positive_int, help="trials asked of the search at a time, run side by side on "
                                                        "the workers; the result depends on --batch, not on where "
                                                        "trials ran (default: --workers)")
    _add_cache_flags(tu)
    _add_device_flag(tu)
    _add_unit_flags(tu, "trials")
    _add_config_flags(tu)

    de = sub.add_parser("demo", help="track the bundled clip twice (built-in detector, public detections) and "
                                     "score both against its ground truth")
    de.add_argument("--out", type=Path, default=Path("runs/demo"), help="output folder (default: runs/demo)")
    de.add_argument("--scorer", choices=["geometry", "learned"], help="link scorer (overrides the config)")
    _add_device_flag(de)
    _add_config_flags(de)

    tm = _training_parser(sub, "train-matcher", "train the Siamese CNN patch matcher on MOT gt (and re-ID crops)",
                          "weights file to write (.pt)")
    tm.add_argument("--reid-data", type=Path, help="folder holding the re-ID sets named by matcher_training.reid")
    tm.add_argument("--device", default="cpu", help="where the training steps run: cpu, cuda, cuda:N or auto "
                                                    "(default: cpu)")
    tm.add_argument("--nproc", type=_positive_int, default=1,
                    help="train with torch DDP on this many local processes (gloo on CPUs, NCCL on GPUs: one GPU "
                         "each); under torchrun its environment decides instead (default: 1)")
    tl = _training_parser(sub, "train-linker", "train the XGBoost linker on real detections labelled by gt",
                          "model file to write (.ubj or .json)")
    tl.add_argument("--matcher", type=Path, help="matcher weights (default: the tracker's, matcher_tracking.pt)")

    ca = sub.add_parser("calibrate-scores", help="refit the detector-score calibrations (raw ACF/DPM scores -> "
                                                 "P(person)) on training sequences and print them")
    ca.add_argument("--data", type=Path, required=True, help="folder of MOT sequences with gt and det")
    ca.add_argument("--acf-seqs", default="TUD-Campus,TUD-Stadtmitte,KITTI-17",
                    help="sequences whose det/det.txt holds ACF scores (default: the shipped fit's)")
    ca.add_argument("--dpm-seqs", default="MOT16-09,MOT16-11-half",
                    help="sequences whose det/det.txt holds DPM scores (default: the shipped fit's)")
    return parser


def _training_parser(sub, name: str, help_text: str, out_help: str) -> argparse.ArgumentParser:
    parser = sub.add_parser(name, help=help_text)
    parser.add_argument("--data", type=Path, required=True, help="folder of MOT sequences with gt, det and img1/")
    parser.add_argument("--train-seqs", required=True, help="comma-separated training sequences")
    parser.add_argument("--val-seqs", default="", help="comma-separated validation sequences (reported only; "
                        "none when every labelled sequence trains a model to ship: the leave-one-out "
                        "protocol's held-out figures are then its validation)")
    parser.add_argument("--out", type=Path, required=True, help=out_help)
    _add_config_flags(parser, "configs/training.yaml")
    return parser


def _runtime_config(args: argparse.Namespace) -> Config:
    """The runtime settings, with the flags that override the config; the process tuned to them."""
    device = [f"matcher.device={args.device}"] if getattr(args, "device", None) else []
    config = load_config(args.config, [*args.overrides, *device])
    flags = {key: getattr(args, key) for key in ("scorer", "mode") if getattr(args, key, None)}
    config = dataclasses.replace(config, **flags)
    tune_for_speed(config.threads)
    return config


def _cmd_eval(args: argparse.Namespace) -> int:
    from siamtrack.tracker.eval.runner import format_table

    from .cpus import placement
    from .evaluate import run_eval

    config = _runtime_config(args)
    seqs = _names(args.seqs) if args.seqs else None
    out = args.out or Path(config.eval.out)
    table, failed = run_eval(args.data, seqs, args.det, out, config, progress=not args.quiet,
                             placement=placement(config), engine=_engine(args), cache_dir=_cache_dir(args))
    if table:
        print(format_table(table))
        print(f"results and metrics.json in {out}")
    return 2 if failed else 0


def _cmd_track(args: argparse.Namespace) -> int:
    from .track import run_track

    if args.conf is not None:
        args.overrides = [*args.overrides, f"tracker.min_score={args.conf}"]
    if args.detector_speed is not None:
        args.overrides = [*args.overrides, *_detector_speed(args.detector_speed)]
    config = _runtime_config(args)
    from .batch import expand_sources

    sources = expand_sources(args.source)
    if len(sources) > 1 or args.out_dir is not None:
        return _track_many(args, sources, config)
    args.source = sources[0]
    if not _engine(args).serial:
        raise InputError("--workers and --engine are for several sources (one source is one process's work)")
    stem = _output_stem(args.source)
    video = None if args.no_video else (args.output or Path(f"{stem}.tracked.mp4"))
    mot = args.mot_output or (video.with_suffix(".txt") if args.output is not None and video is not None
                              else Path(f"{stem}.tracked.txt"))
    summary = run_track(args.source, config, video, mot, args.detections, args.detector, args.model,
                        progress=not args.quiet, max_frames=args.max_frames, frame_rate=args.fps,
                        timeout_seconds=args.timeout, reconnects=args.reconnects,
                        on_warning=lambda message: print(f"warning: {message}", file=sys.stderr, flush=True),
                        show=args.show)
    state = "interrupted after" if summary.interrupted else "tracked"
    print(f"{state} {summary.frames} frames: {summary.tracks} tracks, {summary.fps:.1f} fps end to end "
          f"(detections: {summary.detections}; CNN on {summary.device}; {summary.frame_rate:g} fps source)")
    if summary.dropped_outside:
        print(f"warning: dropped {summary.dropped_outside} detections lying wholly outside the frame", file=sys.stderr)
    print(_written(summary))
    return 130 if summary.interrupted else 0


def _written(summary) -> str:
    return "wrote " + " and ".join(str(p) for p in (summary.video, summary.mot) if p is not None)


def _track_many(args: argparse.Namespace, sources: list[str], config) -> int:
    from .batch import track_many
    from .units import report_failures

    for flag, given in (("-o/--output", args.output), ("--mot-output", args.mot_output), ("--show", args.show),
                        ("--detections", args.detections)):
        if given:
            raise InputError(f"{flag} is for one source; several sources go to --out-dir as <name>.tracked.*")
    options = {"detector": args.detector, "model": args.model, "max_frames": args.max_frames, "frame_rate": args.fps,
               "timeout_seconds": args.timeout, "reconnects": args.reconnects}
    outcomes = track_many(sources, args.out_dir or Path("."), config, _engine(args), _output_stem, not args.no_video,
                          options, progress=not args.quiet)
    for outcome in outcomes:
        if outcome.ok:
            s = outcome.value
            print(f"{outcome.name}: {s.frames} frames, {s.tracks} tracks, {s.fps:.1f} fps; {_written(s)}")
    failed = report_failures(outcomes)
    print(f"tracked {len(outcomes) - failed} of {len(outcomes)} sources")
    return 2 if failed else 0


def _rates(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(k) for k in text.split(","))
    except ValueError:
        raise InputError(f"--rates {text}: comma-separated whole numbers, e.g. 1,2,3") from None


def _cmd_tune(args: argparse.Namespace) -> int:

    from .tune import run_tune

    config = _runtime_config(args)
    engine = _engine(args)
    run_tune(args.data, _names(args.seqs) if args.seqs else None, config, args.trials, args.seed, args.out,
             args.space, progress=not args.quiet, command="siamtrack " + " ".join(sys.argv[1:]),
             rates=_rates(args.rates), engine=engine, batch=args.batch or engine.workers,
             cache_dir=_cache_dir(args))
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from .demo import run_demo

    run_demo(args.out, _runtime_config(args), progress=not args.quiet)
    return 0


def _cmd_train_matcher(args: argparse.Namespace) -> int:
    from siamtrack.configs.training import load_training_config
    from siamtrack.siamese_cnn.training.run import run_training

    recipe = load_training_config(args.config, args.overrides).matcher_training
    run_training(args.data, _names(args.train_seqs), _names(args.val_seqs), args.out, recipe, args.reid_data,
                 progress=not args.quiet, device=args.device, nproc=args.nproc)
    return 0


def _cmd_train_linker(args: argparse.Namespace) -> int:
    from siamtrack.association.training.train import run_linker_training
    from siamtrack.configs.training import load_training_config
    from siamtrack.siamese_cnn import TRACKING_WEIGHTS

    if args.out.suffix not in (".ubj", ".json"):
        raise InputError(f"{args.out}: the linker is saved as XGBoost .ubj or .json")
    recipe = load_training_config(args.config, args.overrides).linker_training
    run_linker_training(args.data, _names(args.train_seqs), _names(args.val_seqs), args.out, recipe,
                        args.matcher or TRACKING_WEIGHTS)
    return 0


def _cmd_calibrate_scores(args: argparse.Namespace) -> int:
    from .calibrate import fit_calibrations

    fits = fit_calibrations(args.data, {"acf": _names(args.acf_seqs), "dpm": _names(args.dpm_seqs)})
    for family, fit in fits.items():
        print(f"{family}: slope {fit.slope:.4g}  centre {fit.centre:.4g}  ({fit.boxes} boxes, {fit.people} "
              f"matching a person, from {', '.join(fit.sequences)})")
    print("shipped in tracker/io/score_calibration.py as CALIBRATIONS = {"
          + ", ".join(f'"{k}": ({f.slope:.4g}, {f.centre:.4g})' for k, f in fits.items()) + "}")
    return 0


def _names(text: str) -> list[str]:
    return [s.strip() for s in text.split(",") if s.strip()]


def main(argv: list[str] | None = None) -> int:
    # FFmpeg and OpenCV print their own diagnostics to stderr (e.g. "moov atom not found" for a
    # truncated mp4); we report such problems ourselves in one line, so keep theirs quiet unless
    # the user asks. Process-wide, so the command sets it, never the library.
    os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")
    os.environ.setdefault("OPENCV_LOG_LEVEL", "FATAL")  # ERROR still prints e.g. "Camera index out of range"
    args = _build_parser().parse_args(argv)
    try:
        commands = {"eval": _cmd_eval, "track": _cmd_track, "demo": _cmd_demo, "tune": _cmd_tune,
                    "train-matcher": _cmd_train_matcher,
                    "train-linker": _cmd_train_linker, "calibrate-scores": _cmd_calibrate_scores}
        return commands[args.command](args)
    except (InputError, ConfigError) as exc:
        print(f"siamtrack: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("siamtrack: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `siamtrack eval ... | head`: the reader left, nothing to report
        sys.stderr.close()
        return 0
    except OSError as exc:  # the machine's, not ours: disk full, a folder that cannot be written
        print(f"siamtrack: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
