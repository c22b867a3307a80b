"""A track's appearance memory keeps exactly its newest rows, in order."""

import numpy as np
import torch

from siamtrack.association.appearance import TrackAppearance
from siamtrack.siamese_cnn.matcher import PatchDescriptors


def descriptors(first: int, n: int) -> PatchDescriptors:
    """n rows whose every field carries its row number, so order can be read back."""
    ids = np.arange(first, first + n, dtype=np.float32)
    return PatchDescriptors(torch.from_numpy(ids[:, None].repeat(3, 1)), ids[:, None, None].repeat(2, 1).repeat(4, 2),
                            ids[:, None].repeat(4, 1).astype(float), ids[:, None].repeat(2, 1))


def rows_of(memory: TrackAppearance) -> list[int]:
    joined = PatchDescriptors.concat(memory.parts)
    assert np.array_equal(joined.boxes[:, 0], joined.embeddings[:, 0].numpy())
    assert np.array_equal(joined.hist[:, 0, 0], joined.occlusion[:, 0])
    return joined.boxes[:, 0].astype(int).tolist()


def test_memory_keeps_the_newest_rows_in_order():
    memory = TrackAppearance.of(descriptors(0, 3))  # a track that starts with three rows (as in training)
    assert len(memory) == 3 and rows_of(memory) == [0, 1, 2]
    memory = memory.add(descriptors(3, 1), memory=4)
    assert rows_of(memory) == [0, 1, 2, 3]
    memory = memory.add(descriptors(4, 1), memory=4)  # the oldest row of a multi-row piece goes
    assert rows_of(memory) == [1, 2, 3, 4] and len(memory) == 4
    memory = memory.add(descriptors(5, 3), memory=4)  # several pieces go at once
    assert rows_of(memory) == [4, 5, 6, 7]
    memory = memory.add(descriptors(8, 6), memory=4)  # a new piece longer than the memory
    assert rows_of(memory) == [10, 11, 12, 13]


def test_adding_leaves_the_previous_memory_untouched():
    before = TrackAppearance.of(descriptors(0, 2))
    after = before.add(descriptors(2, 1), memory=2)
    assert rows_of(before) == [0, 1] and rows_of(after) == [1, 2]
