"""Everything a fold learns, from its training sequences only: score calibrations, matcher, linker.

Models are cached by recipe: a key hashes the recipe, the training sequences and the bytes of
their label and detection files (and, for the linker, the matcher's fingerprint and the
calibrations), so a re-run with nothing changed trains nothing, and any change retrains.
Each model's JSON beside it records the sequences it saw (``train_seqs``); the protocol's
output repeats them per fold, and a test checks the held-out sequence is never among them.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from siamtrack.association.training.train import run_linker_training
from siamtrack.configs.training import TrainingConfig
from siamtrack.siamese_cnn import PatchMatcher
from siamtrack.siamese_cnn.errors import InputError
from siamtrack.siamese_cnn.training.run import run_training
from siamtrack.tracker.app.calibrate import fit_calibrations
from siamtrack.tracker.eval.protocol import Fold
from siamtrack.tracker.io.mot import read_detections
from siamtrack.tracker.io.score_calibration import guess_source


def score_family(seq_dir: Path) -> str:
    """acf | dpm | probability: which calibration a sequence's det.txt needs."""
    return guess_source(read_detections(seq_dir / "det" / "det.txt").scores)


def _data_fingerprint(data_dir: Path, names: list[str]) -> str:
    digest = hashlib.sha256()
    for name in sorted(names):
        for rel in ("gt/gt.txt", "det/det.txt", "seqinfo.ini"):
            path = data_dir / name / rel
            digest.update(f"{name}/{rel}".encode())
            digest.update(path.read_bytes() if path.is_file() else b"")
    return digest.hexdigest()


# Options added to a recipe after models were cached, at the value that trains what was trained
# before them: left out of the key, so adding an option does not void the cache.
NEUTRAL = {"rate_steps": [1], "time_aware_motion": False, "balance_sequences": 0.0, "camera_motion": False}


def _effective(recipe: dict) -> dict:
    return {k: v for k, v in recipe.items() if not (k in NEUTRAL and v == NEUTRAL[k])}


def file_digest(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def recipe_key(*parts: object) -> str:
    """A short, stable hash of JSON-able parts (recipes, names, fingerprints)."""
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class FoldModels:
    fold: Fold
    calibrations: dict[str, tuple[float, float]]
    matcher: Path
    linker: Path

    def train_minutes(self) -> float:
        """How long the matcher and linker took to train (as their JSON files say)."""
        return sum(float(json.loads(Path(f"{p}.json").read_text()).get("train_minutes", 0.0))
                   for p in (self.matcher, self.linker))

    def record(self) -> dict:
        """What each learned part saw (read back from the models' own JSON files)."""
        matcher_info = json.loads(Path(f"{self.matcher}.json").read_text())
        linker_info = json.loads(Path(f"{self.linker}.json").read_text())
        return {**self.fold.record(),
                "calibration_train": list(self.fold.train),
                "calibrations": {k: list(v) for k, v in self.calibrations.items()},
                "matcher": str(self.matcher), "matcher_train": matcher_info["train_seqs"],
                "linker": str(self.linker), "linker_train": linker_info["train_seqs"],
                # reported on the held-out sequence, never used to choose anything
                "held_out_pair_auc": {k: v["auc"] for k, v in matcher_info["validation"].items()},
                "held_out_linker_auc": linker_info["validation"]["auc"]}


def fold_calibrations(data_dir: Path, fold: Fold) -> dict[str, tuple[float, float]]:
    """The detector-score fits of the fold: each family from the fold's training sequences of it."""
    families: dict[str, list[str]] = {}
    for name in fold.train:
        family = score_family(data_dir / name)
        if family != "probability":
            families.setdefault(family, []).append(name)
    held_family = score_family(data_dir / fold.held_out)
    if held_family != "probability" and held_family not in families:
        raise InputError(f"fold {fold.held_out}: no training sequence has {held_family} scores to calibrate on")
    return {k: (c.slope, c.centre) for k, c in fit_calibrations(data_dir, families).items()}


def train_fold_models(fold: Fold, data_dir: Path, reid_dir: Path | None, cache_dir: Path,
                      recipe: TrainingConfig, log=print,
                      calibrations: dict[str, tuple[float, float]] | None = None) -> FoldModels:
    """Train (or find in the cache) the fold's matcher and linker; ``calibrations``: the fold's
    (``fold_calibrations``), fitted here when not given."""
    train = list(fold.train)
    data_id = _data_fingerprint(data_dir, train)
    calibrations = calibrations or fold_calibrations(data_dir, fold)

    matcher_recipe = _effective(dataclasses.asdict(recipe.matcher_training))
    matcher_key = recipe_key("matcher", matcher_recipe, train, data_id)
    matcher_path = cache_dir / "matchers" / f"{matcher_key}.pt"
    if not matcher_path.is_file() or not Path(f"{matcher_path}.json").is_file():
        log(f"[{fold.held_out}] training the matcher on {', '.join(train)} -> {matcher_path}")
        matcher_path.parent.mkdir(parents=True, exist_ok=True)
        run_training(data_dir, train, [fold.held_out], matcher_path, recipe.matcher_training, reid_dir,
                     progress=False)
    fingerprint = PatchMatcher.load(matcher_path).fingerprint

    linker_recipe = _effective(dataclasses.asdict(recipe.linker_training))
    linker_key = recipe_key("linker", linker_recipe, train, data_id, fingerprint, calibrations)
    linker_path = cache_dir / "linkers" / f"{linker_key}.ubj"
    if not linker_path.is_file() or not Path(f"{linker_path}.json").is_file():
        log(f"[{fold.held_out}] training the linker -> {linker_path}")
        linker_path.parent.mkdir(parents=True, exist_ok=True)
        run_linker_training(data_dir, train, [fold.held_out], linker_path, recipe.linker_training, matcher_path,
                            calibrations)
    return FoldModels(fold, calibrations, matcher_path, linker_path)
