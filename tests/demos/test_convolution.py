"""The convolution demo: conv, transposed conv and pooling against slow NumPy loops, the adjoint property,
the worked examples of the notes and d2l, validation, and the stepped demo."""

import itertools
import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from demos.conv_size import output_size
from demos.convolution import (DEMO, IMAGES, KERNELS, MODES, avg_pool2d, bilinear_kernel, conv2d, conv_transpose2d,
                               max_pool2d, run)


def conv2d_reference(x, w, b, stride, padding, dilation, groups):
    """np.pad the input, then for each output cell take the dilated window with slicing and sum it with the
    group's filters (x (N, C, H, W); stride, padding, dilation pairs; padding (top, bottom, left, right))."""
    top, bottom, left, right = padding
    padded = np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)))
    c_out, c_group, kernel_h, kernel_w = w.shape
    span_h, span_w = dilation[0] * (kernel_h - 1) + 1, dilation[1] * (kernel_w - 1) + 1
    out_h = (padded.shape[2] - span_h) // stride[0] + 1
    out_w = (padded.shape[3] - span_w) // stride[1] + 1
    out = np.zeros((x.shape[0], c_out, out_h, out_w))
    per_group = c_out // groups
    for o in range(c_out):
        channels = slice(o // per_group * c_group, (o // per_group + 1) * c_group)
        for i in range(out_h):
            for j in range(out_w):
                window = padded[:, channels, i * stride[0]:i * stride[0] + span_h:dilation[0],
                                j * stride[1]:j * stride[1] + span_w:dilation[1]]
                out[:, o, i, j] = np.einsum("nchw,chw->n", window, w[o]) + (0.0 if b is None else b[o])
    return out


def conv_transpose2d_reference(x, w, b, stride, padding, output_padding, dilation):
    """Scatter every input cell times its kernel onto a canvas big enough for all of it, then cut the output out
    of the canvas: padding rows off the top and left, and as many rows as the size formula says."""
    n, c_in, height, width = x.shape
    _, c_out, kernel_h, kernel_w = w.shape
    canvas = np.zeros((n, c_out, (height - 1) * stride[0] + dilation[0] * (kernel_h - 1) + 1 + output_padding[0],
                       (width - 1) * stride[1] + dilation[1] * (kernel_w - 1) + 1 + output_padding[1]))
    for i in range(height):
        for j in range(width):
            for u in range(kernel_h):
                for v in range(kernel_w):
                    row, col = i * stride[0] + u * dilation[0], j * stride[1] + v * dilation[1]
                    canvas[:, :, row, col] += np.einsum("nc,co->no", x[:, :, i, j], w[:, :, u, v])
    out_h, out_w = canvas.shape[2] - 2 * padding[0], canvas.shape[3] - 2 * padding[1]
    out = canvas[:, :, padding[0]:padding[0] + out_h, padding[1]:padding[1] + out_w]
    return out + (0.0 if b is None else b[None, :, None, None])


def pool_reference(x, kernel, stride, padding, ceil_mode, how, count_include_pad=True):
    """Enumerate the windows along each axis from the padded start, keeping a last partial one in ceil mode;
    then max or average each window's cells as torch does."""
    def starts(n, k, s, p):
        found = []
        for start in range(-p, n + p, s):
            whole = start + k <= n + p
            # ceil mode: a partial window starting inside the input or left padding, if the window one stride
            # earlier (found or not) ended short of the padded end
            partial = ceil_mode and start < n and not whole and start - s + k < n + p
            if whole or partial:
                found.append(start)
        return found

    rows, cols = (starts(x.shape[2 + a], kernel[a], stride[a], padding[a]) for a in (0, 1))
    out = np.zeros((*x.shape[:2], len(rows), len(cols)))
    for i, top in enumerate(rows):
        for j, left in enumerate(cols):
            bottom = min(top + kernel[0], x.shape[2] + padding[0])
            right = min(left + kernel[1], x.shape[3] + padding[1])
            cells = x[:, :, max(top, 0):min(bottom, x.shape[2]), max(left, 0):min(right, x.shape[3])]
            if how == "max":
                out[:, :, i, j] = cells.max(axis=(2, 3))
            else:
                count = (bottom - top) * (right - left) if count_include_pad else cells.shape[2] * cells.shape[3]
                out[:, :, i, j] = cells.sum(axis=(2, 3)) / count
    return out


pairs = st.tuples(st.integers(1, 3), st.integers(1, 3))


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), groups=st.sampled_from([1, 2, 3]), stride=pairs, dilation=pairs,
       padding=st.tuples(st.integers(0, 3), st.integers(0, 3)), kernel=pairs,
       size=st.tuples(st.integers(1, 9), st.integers(1, 9)), bias=st.booleans())
def test_conv2d_equals_the_numpy_loop(seed, groups, stride, dilation, padding, kernel, size, bias):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((2, 2 * groups, *size))
    w = rng.standard_normal((groups * 2, 2, *kernel))
    b = rng.standard_normal(groups * 2) if bias else None
    spans = [dilation[a] * (kernel[a] - 1) + 1 for a in (0, 1)]
    if any(size[a] + 2 * padding[a] < spans[a] for a in (0, 1)):
        with pytest.raises(ValueError, match="larger than the padded input"):
            conv2d(x, w, b, stride, padding, dilation, groups)
        return
    expected = conv2d_reference(x, w, b, stride, (padding[0], padding[0], padding[1], padding[1]), dilation, groups)
    np.testing.assert_allclose(conv2d(x, w, b, stride, padding, dilation, groups), expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(("kernel", "dilation"), [((3, 3), (1, 1)), ((2, 4), (1, 1)), ((3, 2), (2, 3))])
def test_conv2d_same_and_valid_padding(kernel, dilation):
    rng = np.random.default_rng(1)
    x, w = rng.standard_normal((1, 2, 7, 6)), rng.standard_normal((3, 2, *kernel))
    totals = [dilation[a] * (kernel[a] - 1) for a in (0, 1)]  # torch: the odd one goes to the bottom and right
    same = conv2d_reference(x, w, None, (1, 1), (totals[0] // 2, totals[0] - totals[0] // 2,
                                                   totals[1] // 2, totals[1] - totals[1] // 2), dilation, 1)
    result = conv2d(x, w, padding="same", dilation=dilation)
    assert result.shape == (1, 3, 7, 6)
    np.testing.assert_allclose(result, same, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(conv2d(x, w, padding="valid", dilation=dilation), conv2d(x, w, dilation=dilation))


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), stride=pairs, dilation=st.tuples(st.integers(1, 2), st.integers(1, 2)),
       padding=st.tuples(st.integers(0, 2), st.integers(0, 2)), extra=st.tuples(st.integers(0, 2), st.integers(0, 2)),
       kernel=st.tuples(st.integers(1, 4), st.integers(1, 4)), size=st.tuples(st.integers(1, 6), st.integers(1, 6)),
       bias=st.booleans())
def test_conv_transpose2d_equals_the_scatter_loop(seed, stride, dilation, padding, extra, kernel, size, bias):
    rng = np.random.default_rng(seed)
    x, w = rng.standard_normal((2, 3, *size)), rng.standard_normal((3, 2, *kernel))
    b = rng.standard_normal(2) if bias else None
    args = (b, stride, padding, extra, dilation)
    if any(extra[a] >= stride[a] and extra[a] >= dilation[a] for a in (0, 1)):
        with pytest.raises(ValueError, match="output_padding|crops"):
            conv_transpose2d(x, w, *args)
        return
    expected = conv_transpose2d_reference(x, w, *args)
    if min(expected.shape[2:]) < 1:
        with pytest.raises(ValueError, match="crops"):
            conv_transpose2d(x, w, *args)
        return
    np.testing.assert_allclose(conv_transpose2d(x, w, *args), expected, rtol=1e-12, atol=1e-12)


@settings(max_examples=80, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), stride=pairs, dilation=st.tuples(st.integers(1, 2), st.integers(1, 2)),
       padding=st.tuples(st.integers(0, 2), st.integers(0, 2)), kernel=st.tuples(st.integers(1, 4), st.integers(1, 4)),
       size=st.tuples(st.integers(4, 9), st.integers(4, 9)))
def test_transposed_convolution_is_the_adjoint_of_convolution(seed, stride, dilation, padding, kernel, size):
    """<conv2d(x, w), y> = <x, conv_transpose2d(y, w)>: the same weights, stride, padding and dilation, with the
    output_padding that gives back x's size (the rows a strided conv's floor drops)."""
    rng = np.random.default_rng(seed)
    x, w = rng.standard_normal((2, 3, *size)), rng.standard_normal((4, 3, *kernel))
    spans = [dilation[a] * (kernel[a] - 1) + 1 for a in (0, 1)]
    if any(size[a] + 2 * padding[a] < spans[a] for a in (0, 1)):
        return
    y = rng.standard_normal(conv2d(x, w, stride=stride, padding=padding, dilation=dilation).shape)
    extra = [(size[a] + 2 * padding[a] - spans[a]) % stride[a] for a in (0, 1)]
    back = conv_transpose2d(y, w, stride=stride, padding=padding, output_padding=extra, dilation=dilation)
    assert back.shape == x.shape
    forward = conv2d(x, w, stride=stride, padding=padding, dilation=dilation)
    assert np.sum(forward * y) == pytest.approx(np.sum(x * back), rel=1e-10, abs=1e-10)


def test_transposed_convolution_is_the_transposed_matrix():
    """Build the conv's matrix column by column from unit inputs: the transposed conv's matrix is its transpose."""
    w = np.random.default_rng(2).standard_normal((2, 1, 3, 3))
    shape = (1, 1, 5, 5)
    columns = [conv2d(np.eye(25)[k].reshape(shape), w, stride=2, padding=1).ravel() for k in range(25)]
    matrix = np.array(columns).T  # (outputs, inputs)
    out_shape = (1, 2, 3, 3)
    back = [conv_transpose2d(np.eye(18)[k].reshape(out_shape), w, stride=2, padding=1).ravel() for k in range(18)]
    np.testing.assert_allclose(np.array(back).T, matrix.T, atol=1e-14)


@settings(max_examples=80, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), kernel=st.tuples(st.integers(1, 4), st.integers(1, 4)),
       stride=st.one_of(st.none(), pairs), padding=st.tuples(st.integers(0, 2), st.integers(0, 2)),
       size=st.tuples(st.integers(1, 9), st.integers(1, 9)), ceil_mode=st.booleans(), count_include_pad=st.booleans(),
       ties=st.booleans())
def test_pooling_equals_window_enumeration(seed, kernel, stride, padding, size, ceil_mode, count_include_pad, ties):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((2, 3, *size))
    x = np.round(x) if ties else x
    steps = kernel if stride is None else stride
    if any(2 * padding[a] > kernel[a] for a in (0, 1)):  # the height is checked before the width
        with pytest.raises(ValueError, match="pads at most half its kernel|larger than the padded input"):
            max_pool2d(x, kernel, stride, padding, ceil_mode)
        return
    expected_max = pool_reference(x, kernel, steps, padding, ceil_mode, "max")
    if 0 in expected_max.shape:  # no window fits (in ceil mode a partial one may, even past a small input)
        with pytest.raises(ValueError, match="larger than the padded input"):
            avg_pool2d(x, kernel, stride, padding, ceil_mode)
        return
    np.testing.assert_array_equal(max_pool2d(x, kernel, stride, padding, ceil_mode), expected_max)
    np.testing.assert_allclose(avg_pool2d(x, kernel, stride, padding, ceil_mode, count_include_pad),
                               pool_reference(x, kernel, steps, padding, ceil_mode, "avg", count_include_pad),
                               rtol=1e-13, atol=1e-15)


def test_sizes_follow_conv_size():
    x = np.zeros((1, 1, 7, 5))
    for k, s, p, d in itertools.product(range(1, 4), range(1, 4), range(0, 2), range(1, 3)):
        assert conv2d(x, np.zeros((1, 1, k, k)), stride=s, padding=p, dilation=d).shape[2:] == (
            output_size(7, k, s, p, d), output_size(5, k, s, p, d))
        assert conv_transpose2d(x, np.zeros((1, 1, k, k)), stride=s, padding=p, dilation=d).shape[2:] == (
            output_size(7, k, s, p, d, "transposed"), output_size(5, k, s, p, d, "transposed"))


def test_the_notes_and_d2l_examples():
    edge, vertical = IMAGES["edge"][0], KERNELS["vertical"][0]
    np.testing.assert_array_equal(conv2d(edge[None], vertical[None, None])[0], [[0, 30, 30, 0]] * 4)
    grid3, grid2 = np.arange(9.0).reshape(3, 3), np.array([[0.0, 1], [2, 3]])
    np.testing.assert_array_equal(conv2d(grid3[None, None], grid2[None, None])[0, 0], [[19, 25], [37, 43]])
    np.testing.assert_array_equal(conv_transpose2d(grid2[None, None], grid2[None, None])[0, 0],
                                  [[0, 0, 1], [0, 4, 6], [4, 12, 9]])
    # d2l: stride 2 spreads the copies apart, padding 1 crops the border
    np.testing.assert_array_equal(conv_transpose2d(grid2[None, None], grid2[None, None], stride=2)[0, 0],
                                  [[0, 0, 0, 1], [0, 0, 2, 3], [0, 2, 0, 3], [4, 6, 6, 9]])
    np.testing.assert_array_equal(conv_transpose2d(grid2[None, None], grid2[None, None], padding=1)[0, 0], [[4]])
    pool = IMAGES["pool"][0]
    np.testing.assert_array_equal(max_pool2d(pool[None], 2)[0], [[9, 2], [6, 3]])
    np.testing.assert_array_equal(avg_pool2d(pool[None], 2)[0], [[3.75, 1.25], [3.75, 2]])
    five = np.array([[1.0, 3, 2, 1, 3], [2, 9, 1, 1, 5], [1, 3, 2, 3, 2], [8, 3, 5, 1, 0], [5, 6, 1, 2, 9]])
    np.testing.assert_array_equal(max_pool2d(five[None], 3, 1)[0], [[9, 9, 5], [9, 9, 5], [8, 6, 9]])
    assert avg_pool2d(np.ones((1, 2, 2)), 2, padding=1).tolist() == [[[0.25, 0.25], [0.25, 0.25]]]
    assert avg_pool2d(np.ones((1, 2, 2)), 2, padding=1, count_include_pad=False).tolist() == [[[1, 1], [1, 1]]]
    assert max_pool2d(-np.ones((1, 2, 2)), 2, padding=1).tolist() == [[[-1, -1], [-1, -1]]]  # padding never wins


def test_bilinear_kernel():
    weight = bilinear_kernel(3, 3, 4)
    assert weight.shape == (3, 3, 4, 4)
    np.testing.assert_array_equal(weight[1, 1], np.outer([0.25, 0.75, 0.75, 0.25], [0.25, 0.75, 0.75, 0.25]))
    assert not weight[0, 1].any() and not weight[2, 0].any()
    np.testing.assert_allclose(bilinear_kernel(1, 1, 3)[0, 0], np.outer([0.5, 1, 0.5], [0.5, 1, 0.5]))
    np.testing.assert_allclose(bilinear_kernel(1, 1, 1)[0, 0], [[1.0]])


@pytest.mark.parametrize("factor", [2, 4])
def test_bilinear_transposed_conv_interpolates_a_ramp(factor):
    """k = 2s, p = s/2 with the bilinear kernel upsamples s times; away from the border a linear ramp stays
    linear: output pixel r sits at input coordinate (r + 0.5) / s - 0.5 (align_corners=False)."""
    rows, cols = np.meshgrid(np.arange(5.0), np.arange(6.0), indexing="ij")
    ramp = 2 * rows - 3 * cols
    up = conv_transpose2d(ramp[None, None], bilinear_kernel(1, 1, 2 * factor), stride=factor,
                          padding=factor // 2)[0, 0]
    assert up.shape == (5 * factor, 6 * factor)
    r, c = np.meshgrid((np.arange(5 * factor) + 0.5) / factor - 0.5, (np.arange(6 * factor) + 0.5) / factor - 0.5,
                       indexing="ij")
    inner = (slice(factor, -factor), slice(factor, -factor))
    np.testing.assert_allclose(up[inner], (2 * r - 3 * c)[inner], atol=1e-12)


@pytest.mark.parametrize(("call", "message"), [
    (lambda: conv2d(np.zeros((4, 4)), np.zeros((1, 1, 3, 3))), r"x has shape \(4, 4\): must be \(N, C, H, W\)"),
    (lambda: conv2d(np.zeros((1, 2, 4, 4)), np.zeros((1, 1, 3, 3))), r"must be \(C_out, 2, kH, kW\) for x with 2"),
    (lambda: conv2d(np.zeros((1, 3, 4, 4)), np.zeros((2, 1, 3, 3)), groups=2), "groups=2: must divide the 3"),
    (lambda: conv2d(np.zeros((1, 4, 4, 4)), np.zeros((3, 2, 3, 3)), groups=2), "divisible by groups=2"),
    (lambda: conv2d(np.zeros((1, 1, 4, 4)), np.zeros((1, 1, 3))), r"w has shape \(1, 1, 3\)"),
    (lambda: conv2d(np.zeros((1, 1, 4, 4)), np.zeros((2, 1, 3, 3)), b=np.zeros(3)), r"b has shape \(3,\)"),
    (lambda: conv2d(np.zeros((1, 1, 4, 4)), np.zeros((1, 1, 5, 5))), "larger than the padded input 4"),
    (lambda: conv2d(np.zeros((1, 1, 4, 4)), np.zeros((1, 1, 3, 3)), stride=0), "stride=0: must be an integer >= 1"),
    (lambda: conv2d(np.zeros((1, 1, 4, 4)), np.zeros((1, 1, 3, 3)), padding=(1, 2, 3)), r"padding=\(1, 2, 3\)"),
    (lambda: conv2d(np.zeros((1, 1, 4, 4)), np.zeros((1, 1, 3, 3)), padding="full"), "'valid' or 'same'"),
    (lambda: conv2d(np.zeros((1, 1, 4, 4)), np.zeros((1, 1, 3, 3)), stride=2, padding="same"), "needs stride 1"),
    (lambda: conv2d(np.full((1, 1, 2, 2), np.nan), np.zeros((1, 1, 1, 1))), "must be finite"),
    (lambda: conv_transpose2d(np.zeros((1, 2, 3, 3)), np.zeros((3, 1, 2, 2))), r"must be \(2, C_out, kH, kW\)"),
    (lambda: conv_transpose2d(np.zeros((1, 1, 3, 3)), np.zeros((1, 1, 3, 3)), stride=2, output_padding=2),
     "output_padding=2: must be smaller than the stride 2"),
    (lambda: conv_transpose2d(np.zeros((1, 1, 1, 1)), np.zeros((1, 1, 2, 2)), padding=1), "crops"),
    (lambda: max_pool2d(np.zeros((1, 4, 4)), 2, padding=2), "pads at most half its kernel 2"),
    (lambda: max_pool2d(np.zeros((1, 4, 4)), 0), "kernel=0"),
    (lambda: avg_pool2d(np.zeros((1, 4, 4)), 2, ceil_mode="yes"), "ceil_mode='yes': must be True or False"),
    (lambda: avg_pool2d(np.zeros((1, 4, 4)), 2, count_include_pad=1), "count_include_pad=1"),
    (lambda: bilinear_kernel(2, 3, 4), "must be equal"),
    (lambda: bilinear_kernel(1, 1, 0), "kernel_size=0"),
])
def test_bad_input_is_rejected_in_one_line(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_unbatched_input_keeps_its_shape():
    rng = np.random.default_rng(3)
    x, w = rng.standard_normal((2, 5, 5)), rng.standard_normal((3, 2, 3, 3))
    np.testing.assert_array_equal(conv2d(x, w, padding=1), conv2d(x[None], w, padding=1)[0])
    np.testing.assert_array_equal(conv_transpose2d(x, w[:2]), conv_transpose2d(x[None], w[:2])[0])
    assert max_pool2d(x, 2).shape == avg_pool2d(x, 2).shape == (2, 2, 2)


# ---- the demo ----

def test_default_run_steps_across_the_edge():
    result = DEMO.run(**DEMO.defaults())
    assert "a 4×4 output" in result.summary
    assert "Step 1/15: output (0, 1) = 30, the sum of the window's 9 products" in result.summary
    assert result.table.columns == ("kernel cell", "input cell", "x", "w", "x·w")
    assert result.table.rows[0] == ("(0, 0)", "(0, 1)", "10", "1", "10")
    assert result.table.rows[-1] == ("sum", "", "", "", "30")
    assert result.data["output"] == [[0, 30, 30, 0]] * 4
    assert json.loads(json.dumps(result.data, allow_nan=False)) == result.data
    ax = result.figure.axes[0]
    labels = [patch.get_label() for patch in ax.patches]
    assert labels == ["window", "output cell"]
    texts = [text.get_text() for text in ax.texts]
    assert texts.count("30") == 1 and texts.count("10") == 18  # output filled up to the step only


def test_step_past_the_last_shows_the_last():
    result = run("edge", "vertical", "conv", 1, 0, 1, 99)
    assert result.data["step"] == 15 and result.data["past_last"]
    assert "step 99 is past the last: showing the last" in result.summary
    assert result.data["cell"] == [3, 3]


def test_padding_and_dilation_in_the_step_table():
    result = run("edge", "vertical", "conv", 1, 1, 1, 0)
    assert result.table.rows[0] == ("(0, 0)", "(-1, -1) pad", "0", "1", "0")
    assert "5 taps fall on the zero padding" in result.summary
    dilated = run("square", "blur", "conv", 1, 0, 2, 0)
    assert dilated.data["output_shape"] == [2, 2]
    assert [row[1] for row in dilated.table.rows[:3]] == ["(0, 0)", "(0, 2)", "(0, 4)"]
    assert len(dilated.figure.axes[0].patches) == 2 + 9  # the window, the output cell and each dilated tap


@pytest.mark.parametrize("mode", ["conv", "avgpool"])
def test_the_table_sum_is_the_output_cell(mode):
    for step in range(9):
        result = run("square", "sharpen" if mode == "conv" else "blur", mode, 2, 1, 1, step)
        assert sum(tap["product"] for tap in result.data["taps"]) == pytest.approx(result.data["value"], abs=1e-12)
        row, col = result.data["cell"]
        assert result.data["value"] == pytest.approx(result.data["output"][row][col])


def test_max_pooling_the_notes_example():
    result = run("pool", "box2", "maxpool", 2, 0, 1, 2)
    assert result.data["output"] == [[9, 2], [6, 3]]
    assert "output (1, 0) = 6, the largest of the window's 4 input values" in result.summary
    assert result.table.rows[-1] == ("max", "", "", "6")
    padded = run("pool", "blur", "maxpool", 2, 1, 2, 0)
    assert padded.table.rows[0][1:3] == ("(-1, -1) pad", "−∞") and "Dilation applies to conv" in padded.summary
    with pytest.raises(ValueError, match="pads at most half its kernel 2"):
        run("pool", "box2", "maxpool", 2, 2, 1, 0)


def test_average_pooling_counts_padding():
    result = run("pool", "box2", "avgpool", 2, 1, 1, 0)
    assert result.data["value"] == 0.25  # only x[0, 0] = 1 is inside, over 4 cells
    assert "3 padded zeros count in the divisor" in result.summary


def test_transposed_mode_scatters_each_input_cell():
    result = run("grid2", "grid2", "transposed", 1, 0, 1, 3)
    assert result.data["output"] == [[0, 0, 1], [0, 4, 6], [4, 12, 9]]
    assert "input (1, 1) = 3 adds 3 × kernel into the output, its top-left corner at (1, 1);" in result.summary
    assert result.table.columns == ("kernel cell", "output cell", "x", "w", "x·w added", "output now")
    assert [row[4] for row in result.table.rows] == ["0", "3", "6", "9"]
    assert [row[5] for row in result.table.rows] == ["4", "6", "12", "9"]  # the full result once all have added
    first = run("grid2", "grid2", "transposed", 1, 0, 1, 1)
    assert [row[5] for row in first.table.rows] == ["0", "1", "2", "3"]  # input (0, 1) = 1 on an empty canvas
    adjoint = result.data["adjoint"]
    assert adjoint["conv_side"] == pytest.approx(adjoint["transposed_side"], rel=1e-12)


def test_transposed_padding_crops_and_bilinear_upsamples():
    result = run("grid3", "bilinear", "transposed", 2, 1, 1, 8)
    assert result.data["output_shape"] == [6, 6]
    assert "its top-left corner at (3, 3); padding 1 crops 1 row(s) and column(s) off each border" in result.summary
    assert " cropped" in result.table.rows[-1][1] and result.table.rows[-1][4] == "–"
    assert [patch.get_label() for patch in result.figure.axes[0].patches] == ["output 6×6", "input cell", "block added"]


def test_run_rejects_unknown_presets():
    with pytest.raises(ValueError, match="image='cat': must be one of edge, diagonal"):
        run("cat")
    with pytest.raises(ValueError, match="mode='pool': must be one of conv, maxpool, avgpool, transposed"):
        run(mode="pool")


def test_every_preset_runs_in_every_mode():
    for image, kernel, mode in itertools.product(IMAGES, KERNELS, MODES):
        try:
            result = run(image, kernel, mode, 1, 0, 1, 0)
        except ValueError as error:  # only kernels larger than the 2×2 or 3×3 images
            assert "larger than the padded input" in str(error)
            continue
        assert result.table.rows and result.summary.count("\n") == 1
