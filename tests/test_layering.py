"""The layers import one way: siamese_cnn <- association <- tracker <- (training, app).

Each package is imported in a fresh interpreter and the project modules that got loaded are
compared with what its layer may know; the source is also read, so that an import hidden in a
function (run only on some path) cannot cross a layer unseen.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FOLDERS = {"siamese_cnn": "siamtrack.siamese_cnn", "association": "siamtrack.association",
           "tracker": "siamtrack.tracker", "configs": "siamtrack.configs"}


def loaded_by(module: str) -> set[str]:
    code = f"import sys, json, {module}; print(json.dumps(sorted(m for m in sys.modules if m.startswith('siamtrack'))))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd="/")
    return set(json.loads(out.stdout))


def outside(modules: set[str], *allowed: str) -> set[str]:
    return {m for m in modules if m != "siamtrack" and not any(m == a or m.startswith(a + ".") for a in allowed)}


@pytest.mark.parametrize(("module", "allowed"), [
    ("siamtrack.siamese_cnn", ("siamtrack.siamese_cnn",)),
    ("siamtrack.siamese_cnn.matcher", ("siamtrack.siamese_cnn",)),
    ("siamtrack.configs", ("siamtrack.configs",)),
    ("siamtrack.association.learned_scorer", ("siamtrack.association", "siamtrack.siamese_cnn")),
    ("siamtrack.association", ("siamtrack.association",)),
    ("siamtrack.tracker.api", ("siamtrack.tracker", "siamtrack.association", "siamtrack.siamese_cnn",
                               "siamtrack.configs")),
])
def test_importing_a_layer_loads_only_what_it_may_know(module: str, allowed: tuple[str, ...]):
    got = loaded_by(module)
    assert module in got
    assert not outside(got, *allowed)
    assert not any(".training" in m or ".tracker.app" in m for m in got), "training and the app sit on top"


def test_the_video_process_starts_without_torch():
    code = "import sys, siamtrack.tracker.video.worker; print('torch' in sys.modules, 'xgboost' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd="/")
    assert out.stdout.split() == ["False", "False"]


def _imports(path: Path) -> list[tuple[str, list[str]]]:
    """(absolute module, names) of every import in a file, relative ones resolved."""
    package = "siamtrack." + ".".join(path.relative_to(REPO).parent.parts)
    package = package.replace("siamtrack.", "", 1)
    first, *rest = package.split(".")
    package = ".".join([FOLDERS.get(first, first), *rest])
    out = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out += [(alias.name, []) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
            name = f"{base}.{node.module}" if node.level and node.module else base if node.level else node.module
            out.append((name, [a.name for a in node.names]))
    return out


def _sources(folder: str) -> list[Path]:
    return [p for p in (REPO / folder).rglob("*.py") if "training" not in p.parts]


def test_siamese_cnn_imports_nothing_of_the_project():
    for path in _sources("siamese_cnn"):
        for module, _ in _imports(path):
            assert not module.startswith("siamtrack.") or module.startswith("siamtrack.siamese_cnn"), (path, module)


def test_association_knows_the_matcher_only_by_its_public_api():
    import siamtrack.siamese_cnn as public

    shared = {"siamtrack.siamese_cnn.errors", "siamtrack.siamese_cnn.timing", "siamtrack.siamese_cnn.atomic"}
    for path in _sources("association"):
        for module, names in _imports(path):
            if module.startswith("siamtrack.siamese_cnn"):
                assert module in shared or (module == "siamtrack.siamese_cnn" and set(names) <= set(public.__all__)), \
                    (path, module, names)
            else:
                assert not module.startswith("siamtrack.") or module.startswith("siamtrack.association"), (path, module)
        assert ".net." not in path.read_text(), f"{path} reaches into the matcher's network"


def test_library_code_never_imports_the_app_or_training():
    for folder in ("siamese_cnn", "association", "tracker", "configs"):
        for path in _sources(folder):
            if "app" in path.relative_to(REPO).parts or path.name == "training.py":
                continue
            for module, _ in _imports(path):
                assert ".tracker.app" not in module and ".training" not in module, (path, module)


def test_nothing_generic_is_importable_at_the_top_level():
    code = "import importlib.util as u; print([n for n in ('tracker', 'association', 'configs', 'siamese_cnn') " \
           "if u.find_spec(n)])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd="/")
    assert out.stdout.strip() == "[]"


def test_importing_every_library_module_changes_nothing_in_the_process():
    """No environment variable, thread count, umask or allocator setting moves on import."""
    code = """
import importlib, json, os, pkgutil, sys
import cv2, torch, torchvision.transforms.v2, trackeval, xgboost  # what the dependencies do on import is theirs
before = (dict(os.environ), torch.get_num_threads(), cv2.getNumThreads(), os.umask(0o022))
os.umask(before[3])
import siamtrack
names = []
for package in ("siamtrack.siamese_cnn", "siamtrack.association", "siamtrack.tracker", "siamtrack.configs"):
    module = importlib.import_module(package)
    names += [m.name for m in pkgutil.walk_packages(module.__path__, package + ".")
              if ".app" not in m.name and m.name != "siamtrack.tracker.video.worker"]
for name in names:
    importlib.import_module(name)
after = (dict(os.environ), torch.get_num_threads(), cv2.getNumThreads(), os.umask(0o022))
print(json.dumps([len(names), before == after]))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd="/")
    count, unchanged = json.loads(out.stdout)
    assert count > 40 and unchanged
