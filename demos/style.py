"""Neural style transfer on a tiny image: Gram matrices, content, style and total-variation losses.

gram_matrix is d2l's `gram`: features (C, H, W) unrolled to F (C, H*W), then F F^T / (C * H * W).
content_loss is d2l's mean squared difference; style_loss the mean squared difference between the Gram matrix
of the generated features and the style's Gram matrix; total_variation is d2l's `tv_loss`,
0.5 * (mean |x[:, 1:, :] - x[:, :-1, :]| + mean |x[:, :, 1:] - x[:, :, :-1]|). Their gradients (private
kernels) equal torch autograd, with d|u|/du = sign(u) and 0 at u = 0 as torch's abs has it.

The demo stands in for VGG with two frozen "layers" of a grey 8 x 8 image: for style, four edge filters (the
differences to the right, down, down-right and down-left neighbour) and a ReLU, a shallow layer's textures;
for content, 2 x 2 average pooling, a deeper layer's coarse layout. It optimises the pixels by Adam on
content_weight * content + style_weight * style + tv_weight * TV, starting from the content image as d2l does.
"""

from __future__ import annotations

from typing import Annotated

import numpy as np
from numba import njit

from revise.demo_engine.answers import Field, significant
from revise.demo_engine.checks import check_array, check_shape, parse_numbers
from revise.demo_engine.drill import Drill, Worked, declare_drills
from revise.demo_engine.spec import Arg, DemoResult, Table, declare_demo
from revise.figures import COLOURS, heat_map, new_axes


def gram_matrix(features) -> np.ndarray:
    """The (C, C) Gram matrix F F^T / (C * H * W) of features (C, H, W), F their (C, H*W) unrolling (d2l)."""
    features = check_array("features", features, ndim=3, min_size=1)
    return _gram(features.reshape(features.shape[0], -1))


def content_loss(generated, content) -> float:
    """Mean squared difference between generated and content features (any equal shapes)."""
    generated = check_array("generated", generated, min_size=1)
    content = check_shape("content", check_array("content", content), generated.shape, "the generated shape")
    return _mse(generated.ravel(), content.ravel())


def style_loss(generated, style_gram) -> float:
    """Mean squared difference between gram_matrix(generated) (features (C, H, W)) and style_gram (C, C)."""
    generated = check_array("generated", generated, ndim=3, min_size=1)
    channels = generated.shape[0]
    style_gram = check_shape("style_gram", check_array("style_gram", style_gram), (channels, channels),
                             "C x C for the generated features' C channels")
    return _mse(_gram(generated.reshape(channels, -1)).ravel(), style_gram.ravel())


def total_variation(image) -> float:
    """d2l's tv_loss of an image (C, H, W): 0.5 * (mean |vertical differences| + mean |horizontal differences|)."""
    image = check_array("image", image, ndim=3)
    if image.shape[0] < 1 or image.shape[1] < 2 or image.shape[2] < 2:
        raise ValueError(f"image has shape {image.shape}: must be (C, H, W) with C >= 1 and H, W >= 2, so that "
                         "both means have differences to average")
    return _tv(image)


@njit(cache=True)
def _gram(flat):
    """F F^T / (C * n) of F (C, n)."""
    channels, n = flat.shape
    out = np.empty((channels, channels))
    scale = channels * n
    for i in range(channels):
        for j in range(i, channels):
            total = 0.0
            for k in range(n):
                total += flat[i, k] * flat[j, k]
            out[i, j] = total / scale
            out[j, i] = out[i, j]
    return out


@njit(cache=True)
def _mse(a, b):
    """Mean of (a - b)^2 over two flat arrays of one length."""
    total = 0.0
    for k in range(a.shape[0]):
        diff = a[k] - b[k]
        total += diff * diff
    return total / a.shape[0]


@njit(cache=True)
def _tv(x):
    """0.5 * (mean |x[:, 1:, :] - x[:, :-1, :]| + mean |x[:, :, 1:] - x[:, :, :-1]|) of x (C, H, W)."""
    channels, height, width = x.shape
    down, across = 0.0, 0.0
    for c in range(channels):
        for i in range(height):
            for j in range(width):
                if i + 1 < height:
                    down += abs(x[c, i + 1, j] - x[c, i, j])
                if j + 1 < width:
                    across += abs(x[c, i, j + 1] - x[c, i, j])
    return 0.5 * (down / (channels * (height - 1) * width) + across / (channels * height * (width - 1)))


@njit(cache=True)
def _content_grad(generated, content):
    """d content_loss / d generated = 2 (generated - content) / size (flat arrays)."""
    return 2.0 * (generated - content) / generated.shape[0]


@njit(cache=True)
def _style_grad(flat, style_gram):
    """d style_loss / d F for F (C, n): dG = 2 (G - S) / C^2, then (dG + dG^T) F / (C * n)."""
    channels, n = flat.shape
    diff = 2.0 * (_gram(flat) - style_gram) / (channels * channels)
    sym = diff + diff.T
    out = np.zeros((channels, n))
    scale = channels * n
    for i in range(channels):
        for j in range(channels):
            for k in range(n):
                out[i, k] += sym[i, j] * flat[j, k] / scale
    return out


@njit(cache=True)
def _sign(u):
    """sign(u), 0 at 0: the derivative torch's abs uses."""
    return 1.0 if u > 0.0 else (-1.0 if u < 0.0 else 0.0)


@njit(cache=True)
def _tv_grad(x):
    """d total_variation / d x for x (C, H, W)."""
    channels, height, width = x.shape
    down_w = 0.5 / (channels * (height - 1) * width)
    across_w = 0.5 / (channels * height * (width - 1))
    out = np.zeros(x.shape)
    for c in range(channels):
        for i in range(height):
            for j in range(width):
                if i + 1 < height:
                    s = _sign(x[c, i + 1, j] - x[c, i, j]) * down_w
                    out[c, i + 1, j] += s
                    out[c, i, j] -= s
                if j + 1 < width:
                    s = _sign(x[c, i, j + 1] - x[c, i, j]) * across_w
                    out[c, i, j + 1] += s
                    out[c, i, j] -= s
    return out


@njit(cache=True)
def _edges(image, filters):
    """Pre-activations z (K, H, W) of 3x3 filters (K, 3, 3) on a grey image (H, W), zero padding 1."""
    kernels = filters.shape[0]
    height, width = image.shape
    z = np.zeros((kernels, height, width))
    for k in range(kernels):
        for i in range(height):
            for j in range(width):
                total = 0.0
                for a in range(3):
                    for b in range(3):
                        r, c = i + a - 1, j + b - 1
                        if 0 <= r < height and 0 <= c < width:
                            total += image[r, c] * filters[k, a, b]
                z[k, i, j] = total
    return z


@njit(cache=True)
def _pool(image):
    """2 x 2 average pooling, stride 2, of an image (H, W) with even H and W."""
    height, width = image.shape[0] // 2, image.shape[1] // 2
    out = np.empty((height, width))
    for i in range(height):
        for j in range(width):
            out[i, j] = 0.25 * (image[2 * i, 2 * j] + image[2 * i, 2 * j + 1] + image[2 * i + 1, 2 * j]
                                + image[2 * i + 1, 2 * j + 1])
    return out


@njit(cache=True)
def _objective(image, filters, content_pooled, style_gram, weights):
    """(content, style, TV losses, d total / d image) of a grey image (H, W); weights: content, style, TV."""
    height, width = image.shape
    z = _edges(image, filters)
    kernels = z.shape[0]
    flat = np.maximum(z, 0.0).reshape(kernels, height * width)
    pooled = _pool(image)
    volume = image.reshape(1, height, width)
    content = _mse(pooled.ravel(), content_pooled.ravel())
    style = _mse(_gram(flat).ravel(), style_gram.ravel())
    tv = _tv(volume)
    grad = weights[2] * _tv_grad(volume)[0]
    d_pooled = weights[0] * _content_grad(pooled.ravel(), content_pooled.ravel())
    half_w = width // 2
    for i in range(height):  # back through the pooling: a quarter to each pixel of the block
        for j in range(width):
            grad[i, j] += 0.25 * d_pooled[(i // 2) * half_w + j // 2]
    d_features = weights[1] * _style_grad(flat, style_gram)
    for k in range(kernels):  # back through the ReLU and the filters: scatter each output's gradient
        for i in range(height):
            for j in range(width):
                if z[k, i, j] > 0.0:
                    g = d_features[k, i * width + j]
                    for a in range(3):
                        for b in range(3):
                            r, c = i + a - 1, j + b - 1
                            if 0 <= r < height and 0 <= c < width:
                                grad[r, c] += g * filters[k, a, b]
    return content, style, tv, grad


@njit(cache=True)
def _optimise(start, filters, content_pooled, style_gram, weights, steps, lr):
    """Adam (betas 0.9, 0.999, eps 1e-8) on the pixels: losses (steps + 1, 3) before each step, final image."""
    image = start.copy()
    m, v = np.zeros(image.shape), np.zeros(image.shape)
    losses = np.empty((steps + 1, 3))
    for t in range(steps + 1):
        content, style, tv, grad = _objective(image, filters, content_pooled, style_gram, weights)
        losses[t, 0], losses[t, 1], losses[t, 2] = content, style, tv
        if t == steps:
            break
        m = 0.9 * m + 0.1 * grad
        v = 0.999 * v + 0.001 * grad * grad
        m_hat = m / (1.0 - 0.9 ** (t + 1))
        v_hat = v / (1.0 - 0.999 ** (t + 1))
        image -= lr * m_hat / (np.sqrt(v_hat) + 1e-8)
    return losses, image


# ---- the demo ----

SIZE = 8
LR = 0.05
GAP = 0.6  # between heat maps, in cells


def _difference_filters() -> np.ndarray:
    """Four 3x3 filters: the difference between a pixel and its right, lower, lower-right and lower-left neighbour."""
    filters = np.zeros((4, 3, 3))
    for k, (down, right) in enumerate(((0, 1), (1, 0), (1, 1), (1, -1))):
        filters[k, 1, 1] = -1.0
        filters[k, 1 + down, 1 + right] = 1.0
    return filters


FILTERS = _difference_filters()
FILTER_NAMES = ("→", "↓", "↘", "↙")


def _content_image() -> np.ndarray:
    """A bright 4 x 4 square on a dark background."""
    image = np.zeros((SIZE, SIZE))
    image[2:6, 2:6] = 1.0
    return image


def _style_image(pattern: str) -> np.ndarray:
    """The style image: a checkerboard, or stripes along rows or columns, one pixel wide."""
    rows, cols = np.indices((SIZE, SIZE))
    return {"checkerboard": (rows + cols) % 2, "rows": rows % 2, "columns": cols % 2}[pattern].astype(np.float64)
PATTERNS = ("checkerboard", "rows", "columns")
VIEWS = ("losses", "images", "gram", "features")
MAX_FEATURE_SIDE = 8  # channels, rows and columns of a typed feature map
TABLE_STEPS = (0, 1, 3, 10, 30, 100, 300, 1000)


def _setup(pattern: str):
    """(content image, its pooled layout, the style image, its Gram matrix) for a style pattern."""
    content = _content_image()
    style = _style_image(pattern)
    style_features = np.maximum(_edges(style, FILTERS), 0.0)
    return content, _pool(content), style, _gram(style_features.reshape(len(FILTERS), -1))


def _compact(value: float, digits: int) -> str:
    """A short cell label, so that 8 cells fit across a third of a text plot: 0.5 -> .5, -0.25 -> -.25, 2.0 -> 2."""
    text = f"{value:.{digits}f}".rstrip("0").rstrip(".")
    if text in ("", "-", "-0"):
        return "0"
    return text.replace("0.", ".", 1) if text.startswith(("0.", "-0.")) else text


def _heat_maps(ax, maps, titles, digits: int) -> None:
    """Square heat maps side by side (x offset) on one colour scale, each cell's value written on it, a title above
    each."""
    size = maps[0].shape[0]
    low = min(float(m.min()) for m in maps)
    high = max(float(m.max()) for m in maps)
    for index, (values, title) in enumerate(zip(maps, titles)):
        left = index * (size + GAP)
        labels = [[_compact(float(value), digits) for value in row] for row in values]
        heat_map(ax, values, left, 0.0, labels=labels, vmin=low, vmax=high if high > low else low + 1,
                 fontsize=6 if size > 4 else 9)
        ax.text(left + size / 2, -0.4, title, ha="center", va="bottom", fontsize=9)
    ax.set_xlim(-0.3, len(maps) * (size + GAP) - GAP + 0.3)
    ax.set_ylim(size + 0.5, -1.6)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])


def run(
    content_weight: Annotated[float, Arg("α, the weight of the content loss", "内容损失的权重 α",
                                         low=0.0, high=100.0)] = 1.0,
    style_weight: Annotated[float, Arg("β, the weight of the style loss", "风格损失的权重 β",
                                       low=0.0, high=10000.0)] = 100.0,
    tv_weight: Annotated[float, Arg("weight of the total-variation loss, when it is on", "全变分损失的权重(开启时)",
                                    low=0.0, high=10.0)] = 0.1,
    tv: Annotated[bool, Arg("add the total-variation term to the cost", "在代价中加入全变分项")] = True,
    pattern: Annotated[str, Arg("the style image", "风格图像", choices=PATTERNS)] = "checkerboard",
    steps: Annotated[int, Arg("Adam steps on the pixels (lr 0.05)", "对像素做的 Adam 步数(学习率 0.05)",
                              low=0, high=2000)] = 300,
    view: Annotated[str, Arg("figure: loss curves, the images, the Gram matrices, or features: the Gram matrix of "
                             "the feature map typed in `features`",
                             "图:损失曲线、图像、格拉姆矩阵,或 features:`features` 中输入的特征图的格拉姆矩阵",
                             choices=VIEWS)] = "losses",
    features: Annotated[str, Arg("the features view's feature map: channels separated by ';', rows by '/', numbers "
                                 "by commas (2 channels of 2 x 2: 1,0/2,1;0,1/1,2)",
                                 "features 视图的特征图:通道之间用 ';' 分隔,行之间用 '/',数之间用逗号"
                                 "(2 个 2 × 2 的通道:1,0/2,1;0,1/1,2)", high=200)] = "1,0/2,1;0,1/1,2",
) -> DemoResult:
    """Optimise an 8 x 8 image's pixels for content + style (+ TV) and show the losses, images or Gram matrices; or
    the Gram matrix of a typed feature map."""
    if view == "features":
        return _features_view(features)
    content, content_pooled, style, style_gram = _setup(pattern)
    weights = np.array([content_weight, style_weight, tv_weight if tv else 0.0])
    other = np.array([content_weight, style_weight, 0.0 if tv else tv_weight])
    losses, result = _optimise(content, FILTERS, content_pooled, style_gram, weights, steps, LR)
    other_losses, other_result = _optimise(content, FILTERS, content_pooled, style_gram, other, steps, LR)
    totals = losses @ weights
    shown = sorted({t for t in TABLE_STEPS if t <= steps} | {steps})
    rows = tuple((str(t), f"{losses[t, 0]:.4g}", f"{losses[t, 1]:.4g}", f"{losses[t, 2]:.4g}", f"{totals[t]:.4g}")
                 for t in shown)
    final = losses[-1]
    cost = f"J = {content_weight:g}·content + {style_weight:g}·style" + (f" + {tv_weight:g}·TV" if tv else "")
    if tv_weight == 0.0:
        switch = "The TV weight is 0, so switching the TV term changes nothing."
        switch_zh = "全变分权重为 0,开关全变分项没有区别。"
    elif tv:
        switch = (f"With the TV term off, TV would end at {other_losses[-1, 2]:.4g} instead of {final[2]:.4g} "
                  f"(a {'noisier' if other_losses[-1, 2] > final[2] else 'no smoother'} image).")
        switch_zh = f"关掉全变分项时,TV 最终为 {other_losses[-1, 2]:.4g} 而不是 {final[2]:.4g}。"
    else:
        switch = (f"With the TV term on (weight {tv_weight:g}), TV would end at {other_losses[-1, 2]:.4g} "
                  f"instead of {final[2]:.4g}.")
        switch_zh = f"开启全变分项(权重 {tv_weight:g})时,TV 最终为 {other_losses[-1, 2]:.4g} 而不是 {final[2]:.4g}。"
    summary = (f"After {steps} Adam steps on the 64 pixels, starting from the content image: content "
               f"{final[0]:.4g}, style {final[1]:.4g} (from {losses[0, 1]:.4g}), TV {final[2]:.4g}; "
               f"{cost} = {totals[-1]:.4g}.\n"
               f"The style loss compares Gram matrices, so the {pattern} texture appears inside the square while "
               f"the pooled layout (content) stays. {switch}")
    pattern_zh = {"checkerboard": "棋盘格", "rows": "横条纹", "columns": "竖条纹"}[pattern]
    summary_zh = (f"从内容图像出发,对 64 个像素做 {steps} 步 Adam 后:内容损失 {final[0]:.4g},风格损失 "
                  f"{final[1]:.4g}(起初 {losses[0, 1]:.4g}),TV {final[2]:.4g};{cost} = {totals[-1]:.4g}。\n"
                  f"风格损失比较的是格拉姆矩阵,所以{pattern_zh}纹理出现在方块里,而池化后的布局(内容)保持不变。"
                  f"{switch_zh}")
    table = Table(columns=("step", "content", "style", "TV", "J (weighted)"), rows=rows,
                  columns_zh=("步", "内容损失", "风格损失", "TV", "J(加权)"))
    figure = _figure(view, losses, totals, other_losses, tv, content, result, style_gram, pattern)
    return DemoResult(
        summary=summary, summary_zh=summary_zh, table=table, figure=figure,
        data={"steps": steps, "weights": weights.tolist(), "pattern": pattern, "style_image": style.tolist(),
              "content": losses[:, 0].tolist(), "style": losses[:, 1].tolist(), "tv": losses[:, 2].tolist(),
              "total": totals.tolist(), "other_tv": other_losses[:, 2].tolist(), "result": result.tolist(),
              "other_result": other_result.tolist(), "style_gram": style_gram.tolist(),
              "result_gram": _gram(np.maximum(_edges(result, FILTERS), 0.0).reshape(len(FILTERS), -1)).tolist()})


def _figure(view, losses, totals, other_losses, tv, content, result, style_gram, pattern):
    """The chosen view: loss curves on a log scale, the three images, or the three Gram matrices."""
    steps = np.arange(len(losses))
    if view == "losses":
        fig, ax = new_axes(f"Style transfer on 8 x 8 pixels ({pattern}): losses", "step", "loss (log scale)")
        for column, (name, values) in enumerate((("content", losses[:, 0]), ("style", losses[:, 1]),
                                                 ("TV" + ("" if tv else " (not in J)"), losses[:, 2]),
                                                 ("J, weighted total", totals))):
            shown = np.where(values > 0, values, np.nan)
            ax.plot(steps, shown, color=COLOURS[column], linewidth=2 if column == 3 else 1.5, label=name)
        ax.plot(steps, np.where(other_losses[:, 2] > 0, other_losses[:, 2], np.nan), color=COLOURS[2],
                linestyle=":", linewidth=1.5, label=f"TV with the TV term {'off' if tv else 'on'}")
        ax.set_yscale("log")
        ax.legend(fontsize=8)
        return fig
    fig, ax = new_axes(f"Style transfer ({pattern}): {'images' if view == 'images' else 'Gram matrices'}, "
                      f"result after {len(losses) - 1} steps", "", "")
    if view == "images":
        _heat_maps(ax, [content, result], ["before (the content image)", "after (styled)"], 1)
    else:
        grams = [_gram(np.maximum(_edges(image, FILTERS), 0.0).reshape(len(FILTERS), -1))
                 for image in (content, result)]
        _heat_maps(ax, [style_gram, grams[0], grams[1]],
                   ["style's Gram", "start (content)", "result"], 3)
        for index in range(3):
            left = index * (len(FILTERS) + GAP)
            for k, name in enumerate(FILTER_NAMES):
                ax.text(left - 0.1, k + 0.5, name, ha="right", va="center", fontsize=8)
                ax.text(left + k + 0.5, len(FILTERS) + 0.1, name, ha="center", va="top", fontsize=8)
    return fig


def _parse_features(text: str) -> np.ndarray:
    """'1,0/2,1;0,1/1,2' as a (C, H, W) array: channels split at ';', rows at '/', numbers at commas or spaces."""
    example = "1,0/2,1;0,1/1,2"
    channels: list[list[np.ndarray]] = []
    for channel in text.strip().strip(";").split(";"):
        channels.append([])
        for row in channel.split("/"):
            try:
                channels[-1].append(parse_numbers("features", row, count=(1, MAX_FEATURE_SIDE)))
            except ValueError:
                number = sum(map(len, channels)) + 1
                raise ValueError(f"features={text!r}: row {number}, {row.strip()!r}, must be 1 to {MAX_FEATURE_SIDE} "
                                 f"numbers separated by commas, e.g. {example}") from None
    shapes = {(len(channel), len(row)) for channel in channels for row in channel}
    if len(channels) > MAX_FEATURE_SIDE or any(len(channel) > MAX_FEATURE_SIDE for channel in channels):
        raise ValueError(f"features={text!r}: must have at most {MAX_FEATURE_SIDE} channels of at most "
                         f"{MAX_FEATURE_SIDE} rows, e.g. {example}")
    if len(shapes) != 1:
        raise ValueError(f"features={text!r}: every channel must have the same rows and every row the same count of "
                         f"numbers, e.g. {example}")
    return np.array(channels)


def _features_view(text: str) -> DemoResult:
    """The Gram matrix of a typed feature map: each entry a dot product of two unrolled channels, then d2l's
    division by C * H * W."""
    features = _parse_features(text)
    channels, height, width = features.shape
    flat = features.reshape(channels, -1)
    raw = flat @ flat.T  # the sums of products, before gram_matrix's division
    gram = gram_matrix(features)
    divisor = channels * height * width
    unrolled = "; ".join(f"a_{c + 1} = ({', '.join(f'{x:.4g}' for x in flat[c])})" for c in range(channels))
    entries = []
    for i, j in ((0, 0), (0, 1)) if channels > 1 else ((0, 0),):
        products = " + ".join(f"{x * y:.4g}" for x, y in zip(flat[i], flat[j])) if flat.shape[1] <= 9 else "..."
        entries.append(f"G_{i + 1}{j + 1} = {products} = {raw[i, j]:.4g}")
    shown_raw, shown_gram = _matrix(raw), _matrix(gram)
    summary = (f"Unrolled, {unrolled}. Each entry of G is the dot product of two channels over the H·W = "
               f"{height * width} positions: {', '.join(entries)}, so G = F F^T = {shown_raw}: symmetric, "
               f"{channels} × {channels}, each channel's sum of squares on the diagonal.\n"
               f"d2l's gram_matrix divides by C·H·W = {channels}·{height}·{width} = {divisor}: {shown_gram}, so that "
               "the style loss does not grow with the layer's size. (The weights, tv, pattern and steps do not apply "
               "here.)")
    summary_zh = (f"展开后 {unrolled}。G 的每个元素是两个通道在 H·W = {height * width} 个位置上的点积:"
                  f"{','.join(entries)},所以 G = F F^T = {shown_raw}:对称,大小为 {channels} × {channels},"
                  f"对角线是各通道的平方和。\n"
                  f"d2l 的 gram_matrix 再除以 C·H·W = {channels}·{height}·{width} = {divisor}:{shown_gram},"
                  "这样风格损失不会随层的大小增长。(各权重、tv、pattern 和 steps 在此不起作用。)")
    rows = tuple((f"G_{i + 1}{j + 1}", f"{i + 1} · {j + 1}", f"{raw[i, j]:.4g}",
                  f"{raw[i, j]:.4g} / {divisor} = {gram[i, j]:.4g}")
                 for i in range(channels) for j in range(i, channels))
    table = Table(columns=("entry", "channels", "sum of products (F F^T)", "gram_matrix (/ C·H·W)"), rows=rows,
                  columns_zh=("元素", "通道", "乘积之和(F F^T)", "gram_matrix(/ C·H·W)"))
    fig, ax = new_axes(f"Gram matrix of a {channels} × {height} × {width} feature map", "", "")
    maps = [(features[c], f"channel {c + 1}") for c in range(channels)]
    maps += [(raw, "G = F F^T"), (gram, f"G / {divisor} (gram_matrix)")]
    left = 0.0
    for values, title in maps:
        heat_map(ax, values, left, 0.0, labels=[[f"{x:.3g}" for x in row] for row in values],
                 fontsize=9 if max(values.shape) <= 4 else 7)
        ax.text(left + values.shape[1] / 2, -0.3, title, ha="center", va="bottom", fontsize=9)
        left += values.shape[1] + GAP
    ax.set_xlim(-0.3, left - GAP + 0.3)
    ax.set_ylim(max(height, channels) + 0.3, -1.2)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    data = {"view": "features", "features": features.tolist(), "gram_raw": raw.tolist(), "gram": gram.tolist(),
            "divisor": divisor}
    return DemoResult(summary=summary, summary_zh=summary_zh, table=table, figure=fig, data=data)


def _matrix(values: np.ndarray) -> str:
    """A small matrix as [[6, 4], [4, 6]]."""
    return "[" + ", ".join("[" + ", ".join(f"{x:.4g}" for x in row) + "]" for row in values) + "]"


def warm() -> None:
    """Compiles (or loads from cache) every kernel: the four losses on a tiny volume and a two-step optimisation."""
    volume = np.arange(12.0).reshape(1, 3, 4) / 12.0
    gram = gram_matrix(volume)
    content_loss(volume, volume[::-1].copy())
    style_loss(volume, gram)
    total_variation(volume)
    content, content_pooled, _, style_gram = _setup("checkerboard")
    _optimise(content, FILTERS, content_pooled, style_gram, np.array([1.0, 1.0, 1.0]), 2, LR)


DEMO = declare_demo(
    run, warm,
    title_en="Neural style transfer",
    title_zh="神经风格迁移",
    description_en="An 8 x 8 image optimised pixel by pixel for content, style (Gram matrices) and total variation.",
    description_zh="一张 8 x 8 的图像,逐像素优化内容损失、风格损失(格拉姆矩阵)和全变分损失。",
)


# ---- drill: one Gram-matrix entry by hand ----

def _channel_text(channel) -> str:
    """[[1, 0], [2, 1]]: one channel's rows, top to bottom."""
    return "[" + ", ".join("[" + ", ".join(str(x) for x in row) + "]" for row in channel) + "]"


def _draw_gram(rng) -> dict:
    """Two channels of 2 x 2 or 2 x 3 whole numbers 0 to 3, each with at least two non-zero entries and the two
    different, and an entry G_kk' (a diagonal one or G_12) of at least 2."""
    while True:
        width = int(rng.choice((2, 3)))
        features = rng.integers(0, 4, (2, 2, width))
        k, k2 = ((1, 1), (2, 2), (1, 2))[int(rng.integers(3))]
        raw = int((features[k - 1] * features[k2 - 1]).sum())
        if (np.count_nonzero(features.reshape(2, -1), axis=1) >= 2).all() and \
                not np.array_equal(features[0], features[1]) and raw >= 2:
            values = features.tolist()
            return {"features": values, "k": k, "k2": k2, "width": width,
                    "c1_text": _channel_text(values[0]), "c2_text": _channel_text(values[1])}


def _solve_gram(features: list, k: int, k2: int, width: int, **_texts) -> Worked:
    """The entry from gram_matrix (F F^T / (C·H·W)), and the raw sum over positions: that times C·H·W."""
    array = np.array(features, dtype=np.float64)
    channels, height, _ = array.shape
    divisor = channels * height * width
    normalised = float(gram_matrix(array)[k - 1, k2 - 1])
    raw = round(normalised * divisor)
    flat = array.reshape(channels, -1).astype(int)
    unrolled = ", ".join(f"a_{c + 1} = ({', '.join(str(x) for x in flat[c])})" for c in range(channels))
    products = " + ".join(f"{x}·{y}" for x, y in zip(flat[k - 1], flat[k2 - 1]))
    formula = "G_kk' = Σ_i Σ_j a_ijk · a_ijk' (a sum over the n_H·n_W positions)"
    entry = f"G_{k}{k2} = {products} = {raw}"
    scaled = (f"n_C·n_H·n_W = {channels}·{height}·{width} = {divisor}: {raw} / {divisor} = "
              f"{significant(normalised)}")
    return Worked({"raw": raw, "normalised": normalised},
                  (formula, f"unrolled: {unrolled}", entry, f"gram_matrix divides by {scaled}"),
                  (formula, f"展开:{unrolled}", entry, f"gram_matrix 再除以 {scaled}"))


DRILLS = declare_drills(
    __name__,
    Drill("gram_entry", "A Gram-matrix entry by hand", "手算格拉姆矩阵的一个元素",
          "A layer's activation has n_C = 2 channels of 2x{width} (rows top to bottom): channel 1 = {c1_text}, "
          "channel 2 = {c2_text}. What is the Gram-matrix entry G_{k}{k2} = Σ_i Σ_j a_ijk · a_ijk' with k = {k}, "
          "k' = {k2}, the raw sum over positions as the notes define it? And what does d2l's gram_matrix give for it "
          "after dividing by n_C·n_H·n_W (3 significant figures)?",
          "某层激活有 n_C = 2 个 2x{width} 的通道(各行从上到下):通道 1 = {c1_text},通道 2 = {c2_text}。按笔记的定义,"
          "格拉姆矩阵元素 G_{k}{k2} = Σ_i Σ_j a_ijk · a_ijk'(k = {k},k' = {k2},对各位置直接求和)是多少?d2l 的 "
          "gram_matrix 再除以 n_C·n_H·n_W 后,这个元素是多少(保留 3 位有效数字)?",
          (Field("raw", "G_kk' (sum over positions)", "G_kk'(对位置求和)"),
           Field("normalised", "gram_matrix's value (/ n_C·n_H·n_W)", "gram_matrix 的值(/ n_C·n_H·n_W)",
                 kind="number")),
          _draw_gram, _solve_gram),
)
