"""The ``siamtrack`` command: parse flags, build objects from the config, run them.

Kept thin on purpose; the work lives in the modules it calls.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from configs import ConfigError, load_config

from .errors import InputError


def _add_config_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, help="YAML file overriding configs/default.yaml")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                        help="override one setting, e.g. --set tracker.min_hits=2 (repeatable)")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="siamtrack", description="Multi-object tracking with a Siamese CNN.")
    sub = parser.add_subparsers(dest="command", required=True)

    ev = sub.add_parser("eval", help="track a MOTChallenge-layout folder and report HOTA, MOTA, IDF1, ...")
    ev.add_argument("--data", type=Path, required=True, help="folder of sequences (<SEQ>/gt/gt.txt, det/, img1/)")
    ev.add_argument("--seqs", help="comma-separated sequence names (default: all in --data)")
    ev.add_argument("--det", help="detection file inside each sequence (default: det/det.txt)")
    ev.add_argument("--out", type=Path, help="output folder for <SEQ>.txt and metrics.json")
    ev.add_argument("--scorer", choices=["geometry", "learned"], help="link scorer (overrides the config)")
    _add_config_flags(ev)
    return parser


def _cmd_eval(args: argparse.Namespace, config: dict) -> int:
    from .evaluate import format_table, run_eval

    seqs = [s.strip() for s in args.seqs.split(",") if s.strip()] if args.seqs else None
    out = args.out or Path(config["eval"]["out"])
    table = run_eval(args.data, seqs, args.det, out, config, progress=not args.quiet)
    print(format_table(table))
    print(f"results and metrics.json in {out}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _build_parser().parse_args(argv)
    try:
        config = load_config(args.config, args.overrides)
        if getattr(args, "scorer", None):
            config["scorer"] = args.scorer
        return {"eval": _cmd_eval}[args.command](args, config)
    except (InputError, ConfigError) as exc:
        print(f"siamtrack: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("siamtrack: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
