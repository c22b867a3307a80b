"""The runtime settings' schema: one frozen dataclass per section of ``default.yaml``.

The values live in ``default.yaml`` alone, with the reasons for them beside them; these classes
say what each setting is and of which type, and loading checks every file and ``--set`` against
them (``loading.py``). Each component is handed its own section (the tracker its
``TrackRules``, the SSDLite detector its ``SsdLiteSettings``), never the whole config.

This module imports nothing of siamtrack, so every layer may read its section type from here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DetectionSettings:
    file: str  # detection file inside a MOT sequence folder
    score_source: str  # auto | acf | dpm | probability: how raw detector scores become P(person)


@dataclass(frozen=True)
class TrackRules:
    """The online tracker's rules (``tracker`` section); what they mean: ``tracker/core/online.py``."""

    min_score: float
    birth_score: float
    min_hits: int
    max_gap_seconds: float
    min_link_probability: float
    interpolate_gaps: bool
    max_interpolation_seconds: float
    cascade: bool
    time_aware_motion: bool  # Kalman noise per second, not per frame (tracker/core/kalman.py)
    camera_motion: bool  # warp the tracks' predictions by the camera's motion (tracker/core/camera.py)
    smooth_seconds: float  # sigma of the boxes' smoothing over time when a track is written (0: off)
    stitch_seconds: float  # eval/tune: join finished tracklets across gaps up to this long (0: off; stitching.py)

    def max_gap_frames(self, frame_rate: float) -> int:
        return max(1, int(round(self.max_gap_seconds * frame_rate)))

    def max_interpolation_frames(self, frame_rate: float) -> int:
        return max(1, int(round(self.max_interpolation_seconds * frame_rate)))


@dataclass(frozen=True)
class EvalSettings:
    out: str  # where result files and the metrics JSON go


@dataclass(frozen=True)
class MatcherSettings:
    weights: str | None  # None: the matcher the shipped linker was trained with
    flow_width: int | None  # working width of the optical flow; None: as the matcher was trained
    device: str  # where the CNN runs: cpu, cuda, cuda:N or auto (siamese_cnn/device.py)


@dataclass(frozen=True)
class GlobalSettings:
    """``--mode global``, the offline min-cost flow (``tracker/core/global_mode.py``)."""

    max_gap_seconds: float
    gap_cost: float
    max_links: int
    entry_cost: float
    exit_cost: float


@dataclass(frozen=True)
class LinkerSettings:
    model: str | None  # None: the shipped linker
    memory: int  # a track's appearance: its last k detections


@dataclass(frozen=True)
class SsdLiteSettings:
    min_score: float
    nms_iou: float
    tiles: str           # auto | whole | RxC | RxC-tiles (tracker/detectors/tiles.py)
    tile_aspect: float   # tiles: auto: width / height of a tile
    max_passes: int      # tiles: auto: at most this many network passes a frame
    runtime: str         # auto | onnxruntime | opencv


@dataclass(frozen=True)
class HogSettings:
    work_width: int
    win_stride: int
    scale: float
    nms_iou: float
    score_slope: float
    score_centre: float


@dataclass(frozen=True)
class OnnxSettings:
    input_size: int
    person_class: int
    min_score: float
    nms_iou: float
    runtime: str         # auto | onnxruntime | opencv


@dataclass(frozen=True)
class DetectorSettings:
    default: str  # ssdlite | hog
    threads: int  # the network's own threads (onnxruntime); 0 = every CPU the process may use
    ssdlite: SsdLiteSettings
    hog: HogSettings
    onnx: OnnxSettings


@dataclass(frozen=True)
class VideoSettings:
    codec: str
    crf: int
    max_width: int
    trail_frames: int
    trail_smoothing: float


@dataclass(frozen=True)
class Config:
    """Everything ``siamtrack track``, ``eval`` and ``demo`` and the Python ``Tracker`` run with."""

    detections: DetectionSettings
    threads: int  # CPU threads torch, OpenCV and XGBoost may each use (set by the app layer)
    pin_cpus: bool  # the app pins the tracker's thread to a CPU of its own (see tracker/app/cpus.py)
    mode: str  # online | global
    scorer: str  # learned | geometry
    tracker: TrackRules
    eval: EvalSettings
    matcher: MatcherSettings
    global_mode: GlobalSettings
    linker: LinkerSettings
    detector: DetectorSettings
    video: VideoSettings
