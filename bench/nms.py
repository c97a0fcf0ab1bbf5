"""NMS: 1k and 10k detector-like boxes, revise's Numba kernel against cv2.dnn.NMSBoxes, same kept sets checked."""

from __future__ import annotations

import numpy as np

from bench.timing import cold_compile_seconds, median_seconds

SIZES = (1_000, 10_000)
DETECTIONS_PER_OBJECT = 20
IOU_THRESHOLD = 0.5
RUNS = 7
COLD_CALL = ("import time; from demos.nms import nms; t = time.perf_counter(); "
             "nms([[0.0, 0.0, 1.0, 1.0]], [1.0], 0.5); print(time.perf_counter() - t)")


def detections(count: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Seeded boxes (x1, y1, x2, y2) as a detector gives them before NMS: ~20 jittered boxes per object.

    Objects are 30-200 pixels in a 1000 x 1000 image; each detection moves every edge by about a tenth of the
    object's size, so neighbours overlap with IoU spread around 0.5 and suppression really happens.
    """
    rng = np.random.default_rng(seed)
    objects = max(1, count // DETECTIONS_PER_OBJECT)
    corner = rng.uniform(0, 900, (objects, 2))
    size = rng.uniform(30, 200, (objects, 2))
    which = rng.integers(0, objects, count)
    jitter = rng.normal(0, 0.1, (count, 4)) * np.tile(size[which], 2)
    x1y1 = corner[which] + jitter[:, :2]
    x2y2 = np.maximum(corner[which] + size[which] + jitter[:, 2:], x1y1 + 1)
    return np.hstack([x1y1, x2y2]), rng.uniform(0.05, 1.0, count)


def measure(runs: int = RUNS) -> dict[str, float]:
    """Median seconds of revise's nms and OpenCV's NMSBoxes at each size, after checking they keep the same boxes."""
    import cv2

    from demos.nms import nms

    results: dict[str, float] = {"cold_compile_s": cold_compile_seconds(COLD_CALL)}
    for count in SIZES:
        boxes, scores = detections(count)
        xywh = np.hstack([boxes[:, :2], boxes[:, 2:] - boxes[:, :2]])
        scores32 = scores.astype(np.float32)

        def revise_call():
            return nms(boxes, scores, IOU_THRESHOLD)

        def opencv_call():
            return cv2.dnn.NMSBoxes(xywh, scores32, 0.0, IOU_THRESHOLD)

        ours, theirs = set(revise_call().tolist()), set(np.asarray(opencv_call()).ravel().tolist())
        if ours != theirs:
            raise AssertionError(f"{count} boxes: revise keeps {len(ours)}, OpenCV {len(theirs)}, "
                                 f"{len(ours ^ theirs)} differ")
        results[f"kept_{count}"] = len(ours)
        results[f"revise_{count}_s"], _ = median_seconds(revise_call, runs)
        results[f"opencv_{count}_s"], _ = median_seconds(opencv_call, runs)
    return results


def report(results: dict[str, float]) -> str:
    """Two Markdown rows for RESULTS.md, 1k and 10k boxes."""
    rows = []
    for count in SIZES:
        ours, theirs = results[f"revise_{count}_s"], results[f"opencv_{count}_s"]
        compile_note = f"; first compile {results['cold_compile_s']:.1f} s" if count == SIZES[0] else ""
        aim = "faster than OpenCV" if count == SIZES[-1] else "–"
        rows.append(f"| NMS, {count:,} detector-like boxes, IoU 0.5 ({int(results[f'kept_{count}']):,} kept, "
                    f"same set as OpenCV{compile_note}) | {ours * 1e3:.2f} ms "
                    f"| cv2.dnn.NMSBoxes: {theirs * 1e3:.2f} ms | {theirs / ours:.1f}x faster | {aim} |")
    return "\n".join(rows)


if __name__ == "__main__":
    print(report(measure()))
