"""The annotated video: drawing boxes, ids and trails, H.264 encoding, and the process of its own
that does both beside the tracker. Imports neither torch nor the tracker, so that process starts fast."""
