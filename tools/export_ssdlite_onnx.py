"""One-time conversion of the SSDLite-MobileNetV2 pedestrian detector, step 2 of 2: to ONNX.

onnxruntime runs this network about three times as fast as OpenCV's dnn on one CPU core (11 vs
34 ms a 300x300 pass here), which is what makes tiling affordable. The network is rebuilt as a
torch graph from the text graph ``tools/convert_ssdlite.py`` writes (ops, strides, padding) and
the weights OpenCV reads from the frozen TensorFlow file, checked against OpenCV's own outputs,
and exported with a free batch axis (tiles go through in one call):

    python tools/export_ssdlite_onnx.py NET_DIR

reads NET_DIR/ssdlite_pedestrian.{pb,pbtxt} (step 1, ``tools/convert_ssdlite.py``), writes
tracker/detectors/models/ssdlite_pedestrian.onnx and prints the largest differences to OpenCV's
outputs on the bundled clip and between onnxruntime and the torch graph (needs the dev extra's
``onnx`` and onnxruntime).
"""

from __future__ import annotations

import math
import re
import sys
from pathlib import Path

import cv2
import numpy as np
import torch
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parents[1]
MODELS = ROOT / "tracker" / "detectors" / "models"
SIZE = 300
OUTPUTS = [f"BoxPredictor_{k}/{p}/Conv2D" for k in range(6) for p in ("BoxEncodingPredictor", "ClassPredictor")]


def _nodes(pbtxt: str) -> list[dict]:
    nodes = []
    for block in re.split(r"\n(?=node \{)", pbtxt):
        if not block.startswith("node"):
            continue
        strides = re.search(r'key: "strides"\s*value \{\s*list \{([^}]*)\}', block)
        eps = re.search(r'key: "epsilon"\s*value \{\s*f: ([0-9.e-]+)', block)
        nodes.append({
            "name": re.search(r'^\s*name: "([^"]+)"', block, re.M).group(1),
            "op": re.search(r'op: "([^"]+)"', block).group(1),
            "inputs": re.findall(r'^\s*input: "([^"]+)"', block, re.M),
            "stride": int(re.findall(r"i: (\d+)", strides.group(1))[1]) if strides else 1,
            "same": 'value {\n      s: "SAME"' in block,
            "eps": float(eps.group(1)) if eps else 1e-3,
        })
    return nodes


def _same_pad(size: int, kernel: int, stride: int) -> tuple[int, int]:
    """TensorFlow's SAME padding: the odd pixel goes after, not before."""
    total = max((math.ceil(size / stride) - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


class SsdLiteGraph(torch.nn.Module):
    """The TensorFlow graph's nodes evaluated in order on NCHW tensors."""

    def __init__(self, nodes: list[dict], net: cv2.dnn.Net):
        super().__init__()
        self.nodes = nodes
        self.params = torch.nn.ParameterDict()
        self.pads: dict[str, tuple[int, int, int, int]] = {}
        for node in nodes:
            if node["op"] in ("Conv2D", "DepthwiseConv2dNative", "FusedBatchNorm"):
                layer = net.getLayerId(node["name"])
                blobs = [net.getParam(layer, i) for i in range(len(net.getLayer(layer).blobs))]
                for i, blob in enumerate(blobs):
                    if blob is not None and blob.size:
                        self.params[f"{self._key(node)}_{i}"] = torch.nn.Parameter(
                            torch.from_numpy(np.ascontiguousarray(blob, dtype=np.float32)), requires_grad=False)

    @staticmethod
    def _key(node: dict) -> str:
        return node["name"].replace("/", "__")

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, ...]:
        values = {"input": x}
        for node in self.nodes:
            op, key = node["op"], self._key(node)
            if op == "Placeholder":
                continue
            a = values[node["inputs"][0]]
            if op in ("Conv2D", "DepthwiseConv2dNative"):
                padding = (0, 0)
                weight = self.params[f"{key}_0"]
                bias = self.params[f"{key}_1"].reshape(-1) if f"{key}_1" in self.params else None
                k = weight.shape[-1]
                if node["same"]:  # fixed numbers, so that the export has constant pads onnxruntime folds into Conv
                    if key not in self.pads:
                        self.pads[key] = (*_same_pad(int(a.shape[-1]), k, node["stride"]),
                                          *_same_pad(int(a.shape[-2]), k, node["stride"]))
                    left, right, top, bottom = self.pads[key]
                    if (left, top) == (right, bottom):
                        padding = (top, left)
                    else:
                        a, padding = F.pad(a, self.pads[key]), (0, 0)
                groups = a.shape[1] if op == "DepthwiseConv2dNative" else 1
                values[node["name"]] = F.conv2d(a, weight, bias, node["stride"], padding, groups=groups)
            elif op == "FusedBatchNorm":
                mean, var, gamma, beta = (self.params[f"{key}_{i}"].reshape(-1) for i in range(4))
                values[node["name"]] = F.batch_norm(a, mean, var, gamma, beta, False, 0.0, node["eps"])
            elif op == "Relu6":
                values[node["name"]] = a.clamp(0.0, 6.0)
            elif op == "Add":
                values[node["name"]] = a + values[node["inputs"][1]]
            elif op == "BiasAdd":  # OpenCV folded the bias into the convolution before it
                values[node["name"]] = a
                values[node["inputs"][0].replace("/BiasAdd", "/Conv2D")] = a
            else:
                raise SystemExit(f"unsupported op {op} in {node['name']}")
        return tuple(values[name] for name in OUTPUTS)


def _fold_pads(path: Path, uneven: list[tuple[int, int, int, int]]) -> None:
    """Move the uneven zero pads in front of convolutions into the Conv nodes' own pads: torch's conv2d
    pads evenly only, and a separate Pad costs onnxruntime a layout change on both sides (18 -> 14 ms).
    ``uneven``: (left, right, top, bottom) of each Pad, in graph order."""
    import onnx

    model = onnx.load(str(path))
    graph = model.graph
    pads = [n for n in graph.node if n.op_type == "Pad"]
    if len(pads) != len(uneven):
        raise SystemExit(f"expected {len(uneven)} Pad nodes in the export, found {len(pads)}")
    for pad, (left, right, top, bottom) in zip(pads, uneven, strict=True):
        (conv,) = [n for n in graph.node if pad.output[0] in n.input]
        conv.input[0] = pad.input[0]
        for attribute in [a for a in conv.attribute if a.name == "pads"]:
            conv.attribute.remove(attribute)
        conv.attribute.append(onnx.helper.make_attribute("pads", [top, left, bottom, right]))
    needed = {o.name for o in graph.output}
    for node in reversed(list(graph.node)):  # drop what no output needs any more (the pads' arithmetic)
        if any(o in needed for o in node.output):
            needed.update(node.input)
        else:
            graph.node.remove(node)
    onnx.checker.check_model(model)
    onnx.save(model, str(path))


def main() -> None:
    if len(sys.argv) != 2:
        raise SystemExit("usage: python tools/export_ssdlite_onnx.py NET_DIR (from tools/convert_ssdlite.py)")
    pb, pbtxt = Path(sys.argv[1]) / "ssdlite_pedestrian.pb", Path(sys.argv[1]) / "ssdlite_pedestrian.pbtxt"
    net = cv2.dnn.readNetFromTensorflow(str(pb), str(pbtxt))
    graph = SsdLiteGraph(_nodes(pbtxt.read_text()), net).eval()
    with torch.inference_mode():
        graph(torch.zeros(1, 3, SIZE, SIZE))  # fixes the padding of each convolution
    frames = sorted((ROOT / "tracker" / "app" / "clip").rglob("*.jpg"))[:4]
    if not frames:
        raise SystemExit("no clip frames to check the export on")
    blob = cv2.dnn.blobFromImages([cv2.imread(str(f)) for f in frames], 1 / 127.5, (SIZE, SIZE),
                                  (127.5, 127.5, 127.5), swapRB=True)
    net.setInput(blob)
    reference = net.forward(OUTPUTS)
    with torch.inference_mode():
        ours = graph(torch.from_numpy(blob))
    # OpenCV's depthwise convolution on the last, 1x1 feature map (SAME padding) departs from
    # TensorFlow's zero padding, which the torch graph follows; that map only holds anchors of
    # 0.95 frame height. Every other output must agree.
    diffs = [float(np.abs(r - o.numpy()).max()) for r, o in zip(reference, ours, strict=True)]
    print(f"torch graph vs OpenCV: largest difference {max(diffs[:-2]):.2e} (1x1 map: {max(diffs[-2:]):.2f})")
    if max(diffs[:-2]) > 1e-3:
        raise SystemExit("the rebuilt graph does not match OpenCV's; not exporting")
    out = MODELS / "ssdlite_pedestrian.onnx"
    names = [f"out{i}" for i in range(len(OUTPUTS))]
    torch.onnx.export(graph, (torch.from_numpy(blob[:1]),), str(out), input_names=["input"], output_names=names,
                      dynamic_axes={"input": {0: "batch"}, **{n: {0: "batch"} for n in names}},
                      opset_version=17, dynamo=False)
    _fold_pads(out, [p for p in graph.pads.values() if p[::2] != p[1::2]])
    import onnxruntime

    session = onnxruntime.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    exported = session.run(None, {"input": blob})
    worst = max(float(np.abs(e - o.numpy()).max()) for e, o in zip(exported, ours, strict=True))
    print(f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB); onnxruntime vs torch graph: {worst:.2e}")


if __name__ == "__main__":
    sys.exit(main())
