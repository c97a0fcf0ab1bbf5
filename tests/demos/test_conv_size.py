"""The conv_size demo: output sizes against window counting, conv2d against a NumPy loop, and the presets."""

import itertools
import json

import numpy as np
import pytest

from demos.conv_size import (DEMO, Layer, conv2d, conv_nd, multiply_count, output_size, param_count, parse_layers,
                             receptive_field, run, walk)

GRID = list(itertools.product(range(1, 9), range(1, 5), range(1, 4), range(0, 4), range(1, 3)))  # n, k, s, p, d


def windows_reference(n, k, s, p, d, ceil_mode=False):
    """Count window start positions along a padded axis: whole windows, or (ceil) also a partial last one."""
    span = d * (k - 1) + 1
    count = 0
    for start in range(-p, n + p):
        if (start + p) % s:
            continue
        fits = start + span - 1 <= n + p - 1
        # ceil mode: a window that starts inside the input or left padding, while the one before it
        # (s earlier, possibly before the start) ended short of the padded end
        partial = ceil_mode and start < n and start - s + span - 1 < n + p - 1
        count += fits or partial
    return count


def transposed_reference(n, k, s, p, d, output_padding):
    """Scatter each input pixel's kernel footprint (a conv's gradient), crop the padding, add output_padding."""
    canvas = np.zeros((n - 1) * s + d * (k - 1) + 10)
    for i in range(n):
        for j in range(k):
            canvas[i * s + j * d] += 1.0
    extent = np.flatnonzero(canvas)[-1] + 1
    return extent - 2 * p + output_padding


def field_reference(layers):
    """Input pixels that output pixel 0 depends on, found by expanding index sets back through every layer."""
    touched = {0}
    for layer in reversed(layers):
        touched = {o * layer.stride + j * layer.dilation for o in touched for j in range(layer.kernel)}
    return max(touched) - min(touched) + 1


def conv2d_reference(x, w, stride, padding, dilation):
    """Zero-pad with np.pad, then take each dilated window with slicing and sum it against every filter."""
    padded = np.pad(x, ((0, 0), (padding, padding), (padding, padding)))
    c_out, _, kernel_h, kernel_w = w.shape
    span_h, span_w = dilation * (kernel_h - 1) + 1, dilation * (kernel_w - 1) + 1
    out_h = (padded.shape[1] - span_h) // stride + 1
    out_w = (padded.shape[2] - span_w) // stride + 1
    out = np.zeros((c_out, out_h, out_w))
    for i in range(out_h):
        for j in range(out_w):
            top, left = i * stride, j * stride
            window = padded[:, top:top + span_h:dilation, left:left + span_w:dilation]
            out[:, i, j] = np.einsum("chw,ochw->o", window, w)
    return out


def test_conv_size_equals_window_count():
    for n, k, s, p, d in GRID:
        expected = windows_reference(n, k, s, p, d)
        if expected >= 1:
            assert output_size(n, k, s, p, d) == expected, (n, k, s, p, d)
        else:
            with pytest.raises(ValueError, match="larger than the padded input"):
                output_size(n, k, s, p, d)


@pytest.mark.parametrize("kind", ["maxpool", "avgpool"])
@pytest.mark.parametrize("ceil_mode", [False, True])
def test_pool_size_equals_window_count(kind, ceil_mode):
    for n, k, s, p, d in GRID:
        if 2 * p > k or (kind == "avgpool" and d != 1):
            continue
        expected = windows_reference(n, k, s, p, d, ceil_mode)
        if expected >= 1:
            assert output_size(n, k, s, p, d, kind, ceil_mode=ceil_mode) == expected, (n, k, s, p, d)
        else:
            with pytest.raises(ValueError, match="larger than the padded input"):
                output_size(n, k, s, p, d, kind, ceil_mode=ceil_mode)


def test_transposed_size_equals_scattered_extent():
    for n, k, s, p, d in GRID:
        for extra in range(max(s, d)):
            expected = transposed_reference(n, k, s, p, d, extra)
            if expected >= 1:
                assert output_size(n, k, s, p, d, "transposed", extra) == expected, (n, k, s, p, d, extra)
            else:
                with pytest.raises(ValueError, match="crops"):
                    output_size(n, k, s, p, d, "transposed", extra)


def test_conv_undoes_transposed_size():
    for n, k, s, p, d in GRID:
        for extra in range(s):
            if transposed_reference(n, k, s, p, d, extra) >= 1:
                upsampled = output_size(n, k, s, p, d, "transposed", extra)
                assert output_size(upsampled, k, s, p, d) == n, (n, k, s, p, d, extra)


def test_known_sizes():
    assert output_size(3, 2, 2, 1, kind="maxpool", ceil_mode=True) == 2
    assert output_size(3, 2, 3, 0, kind="maxpool", ceil_mode=True) == 1
    assert output_size(3, 2, 3, 0, kind="maxpool") == 1
    assert output_size(227, 11, 4) == 55
    assert output_size(224, 11, 4) == 54
    assert output_size(5, 3, 1, 1) == 5
    assert output_size(7, 3, 1, 0, 2) == 3
    assert output_size(4, 4, 2, 1, kind="transposed") == 8
    assert output_size(4, 3, 2, 1, kind="transposed", output_padding=1) == 8


@pytest.mark.parametrize(("kwargs", "message"), [
    (dict(n=5, kernel=7), r"kernel 7 \(dilated 7\) is larger than the padded input 5"),
    (dict(n=5, kernel=3, dilation=3), r"kernel 3 \(dilated 7\) is larger than the padded input 5"),
    (dict(n=0, kernel=3), r"n=0: must be an integer >= 1"),
    (dict(n=5, kernel=3, stride=0), r"stride=0"),
    (dict(n=5, kernel=3, padding=-1), r"padding=-1"),
    (dict(n=5, kernel=2.0), r"kernel=2.0"),
    (dict(n=5, kernel=3, kind="pool"), r"kind='pool': must be one of conv, transposed, maxpool, avgpool"),
    (dict(n=5, kernel=3, kind="maxpool", padding=2), r"padding=2: a maxpool pads at most half its kernel 3"),
    (dict(n=5, kernel=3, kind="avgpool", dilation=2), r"avgpool has none"),
    (dict(n=5, kernel=3, ceil_mode=True), r"ceil_mode=True: only maxpool and avgpool"),
    (dict(n=5, kernel=3, output_padding=1), r"output_padding=1: only a transposed conv"),
    (dict(n=5, kernel=3, stride=2, kind="transposed", output_padding=2),
     r"output_padding=2: must be smaller than the stride 2 or the dilation 1"),
    (dict(n=1, kernel=3, padding=2, kind="transposed"), r"padding 2 crops 2\*2 = 4 from an output of only 3"),
])
def test_output_size_rejects(kwargs, message):
    with pytest.raises(ValueError, match=message):
        output_size(**kwargs)


def test_param_count():
    assert param_count(3, 16, 3) == 448
    assert param_count(3, 16, (3, 3)) == 448
    assert param_count(4, 6, (1, 3), groups=2) == (1 * 3 * 2 + 1) * 6
    assert param_count(3, 16, 3, bias=False) == 432
    assert param_count(8, 8, 3, groups=8) == (9 + 1) * 8  # depthwise
    with pytest.raises(ValueError, match="c_in=3: must be divisible by groups=2"):
        param_count(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match="c_out=0"):
        param_count(3, 0, 3)


def multiplies_reference(row):
    """Multiplications of a walked layer from its shapes: a conv's every output cell takes k*k*C_in products per
    filter; a transposed conv's every input cell scatters into k*k*C_out outputs; dense in*out; pooling none."""
    (c_in, h_in, w_in), (c_out, h_out, w_out), layer = row.input_shape, row.output_shape, row.layer
    if layer.kind == "fc":
        return c_in * h_in * w_in * c_out
    if layer.kind == "conv":
        return h_out * w_out * c_out * layer.kernel ** 2 * c_in
    if layer.kind == "transposed":
        return h_in * w_in * c_in * layer.kernel ** 2 * c_out
    return 0


def count_products(c_in, c_out, kernel, size, stride, padding):
    """Count, one by one, the products a conv's loops form (padded taps included, as the notes count)."""
    out = (size + 2 * padding - kernel) // stride + 1
    return sum(1 for _ in itertools.product(range(out), range(out), range(c_out), range(c_in), range(kernel),
                                            range(kernel)))


def test_multiply_count():
    assert multiply_count(192, 16, 1, 28) == 28 * 28 * 16 * 192 == 2_408_448
    assert multiply_count(16, 32, 5, 28) == 28 * 28 * 32 * 5 * 5 * 16 == 10_035_200
    assert multiply_count(192, 32, 5, 28) == 120_422_400
    assert multiply_count(3, 4, (1, 3), (5, 6)) == 5 * 6 * 4 * 1 * 3 * 3
    assert multiply_count(8, 8, 3, 10, groups=8) == 10 * 10 * 8 * 9  # depthwise: one channel per filter
    assert multiply_count(4, 2, 3, 5) == 5 * 5 * 4 * 9 * 2  # a transposed conv's 5×5 input cells each scatter
    for c_in, c_out, kernel, size, stride, padding in [(2, 3, 3, 6, 1, 1), (1, 2, 2, 5, 2, 0), (3, 1, 1, 4, 1, 0)]:
        out = output_size(size, kernel, stride, padding)
        assert multiply_count(c_in, c_out, kernel, out) == count_products(c_in, c_out, kernel, size, stride, padding)
    with pytest.raises(ValueError, match="c_in=3: must be divisible by groups=2"):
        multiply_count(3, 4, 3, 5, groups=2)
    with pytest.raises(ValueError, match="size=0"):
        multiply_count(3, 4, 3, 0)


def test_walk_counts_multiplies_from_the_shapes():
    rng = np.random.default_rng(4)
    kinds = ("conv k=3 p=1 c={c}", "conv k=1 c={c}", "conv k=3 s=2 c={c}", "maxpool k=2", "avgpool k=2 ceil",
             "transposed k=4 s=2 p=1 c={c}", "fc c={c}")
    for _ in range(100):
        text = "; ".join(rng.choice(kinds[:-1]).format(c=int(rng.integers(1, 40))) for _ in range(rng.integers(1, 5)))
        text += "; fc c=10" if rng.random() < 0.5 else ""
        rows = walk(int(rng.integers(16, 40)), int(rng.integers(1, 8)), parse_layers(text))
        assert [row.multiplies for row in rows] == [multiplies_reference(row) for row in rows], text


def test_transposed_multiplies_equal_those_of_its_conv():
    """A transposed conv is the adjoint of the conv that maps its output back to its input: the same products."""
    up = walk(7, 6, parse_layers("transposed k=3 s=2 p=1 c=4"))[0]
    down = walk(up.output_shape[1], 4, parse_layers("conv k=3 s=2 p=1 c=6"))[0]
    assert down.output_shape == up.input_shape and up.multiplies == down.multiplies == 7 * 7 * 6 * 9 * 4


def test_bottleneck_saving():
    layers = "conv k=1 c=16; conv k=5 p=2 c=32"
    result = run("custom", 28, layers, 192)
    assert [row[4] for row in result.table.rows] == ["2,408,448", "10,035,200"]
    assert result.data["total_multiplies"] == 12_443_648
    assert result.data["bottleneck"] == {"layers": [1, 2], "labels": ["1", "2"], "channels": [192, 16], "kernel": 5,
                                         "multiplies": 12_443_648, "direct_multiplies": 120_422_400}
    assert "12.4M multiplies" in result.summary
    assert ("cuts 192 channels to 16, so layers 1–2 take 12.4M multiplies against 120M for the 5×5 conv straight "
            "on 192 channels: 9.7× fewer") in result.summary
    direct = run("custom", 28, "conv k=5 p=2 c=32", 192)
    assert direct.data["total_multiplies"] == 120_422_400 and direct.data["bottleneck"] is None
    assert "120M multiplies" in direct.summary and "fewer" not in direct.summary


def test_presets_multiplies():
    assert DEMO.run(**DEMO.defaults()).data["total_multiplies"] == 1_135_256_096
    assert "1.14G multiplies" in DEMO.run(**DEMO.defaults()).summary
    assert run("vgg16", 0, "").data["total_multiplies"] == 15_470_264_320  # the usual 15.5 G multiply-adds
    assert "416,520 multiplies" in run("lenet5", 0, "").summary


def test_receptive_field_equals_index_expansion():
    rng = np.random.default_rng(1)
    for _ in range(200):
        layers = [Layer("conv", int(rng.integers(1, 6)), int(rng.integers(1, 4)), 0, int(rng.integers(1, 3)))
                  for _ in range(rng.integers(1, 5))]
        assert receptive_field(layers) == field_reference(layers)


def test_receptive_field_rejects_layers_without_a_window():
    with pytest.raises(ValueError, match="a transposed layer has no fixed window"):
        receptive_field([Layer("transposed", 3, 2, out_channels=4)])
    with pytest.raises(ValueError, match="stride=0"):
        receptive_field([Layer("conv", 3, 0)])


def test_walk_alexnet():
    rows = walk(227, 3, parse_layers("conv k=11 s=4 c=96; maxpool k=3 s=2; conv k=5 p=same c=256; fc c=10"))
    assert [row.output_shape for row in rows] == [(96, 55, 55), (96, 27, 27), (256, 27, 27), (10, 1, 1)]
    assert [row.params for row in rows] == [34_944, 0, 614_656, 27 * 27 * 256 * 10 + 10]
    assert [row.receptive_field for row in rows] == [11, 19, 51, 51 + 26 * 8]


def test_walk_stops_receptive_field_after_transposed():
    rows = walk(8, 2, parse_layers("conv k=3 c=4; transposed k=4 s=2 p=1 c=2; conv k=3 c=1"))
    assert [row.output_shape for row in rows] == [(4, 6, 6), (2, 12, 12), (1, 10, 10)]
    assert [row.receptive_field for row in rows] == [3, None, None]


def test_walk_names_the_impossible_layer():
    with pytest.raises(ValueError, match=r"layer 3 \(conv 7×7 s1 p0, 8 ch\): kernel 7 \(dilated 7\) is larger "
                                         r"than the padded input 5"):
        walk(18, 3, parse_layers("conv k=5 s=2 c=4; conv k=3 c=4; conv k=7 c=8"))


def test_conv2d_equals_numpy_reference():
    rng = np.random.default_rng(0)
    for stride, padding, dilation, kernel in itertools.product((1, 2, 3), (0, 1, 2), (1, 2), ((3, 3), (2, 3))):
        x = rng.standard_normal((2, 9, 8))
        w = rng.standard_normal((3, 2, *kernel))
        result = conv2d(x, w, stride, padding, dilation)
        expected = conv2d_reference(x, w, stride, padding, dilation)
        np.testing.assert_allclose(result, expected, rtol=1e-12, atol=1e-12)
        assert result.shape == (3, output_size(9, kernel[0], stride, padding, dilation),
                                output_size(8, kernel[1], stride, padding, dilation))


def test_conv2d_rejects():
    with pytest.raises(ValueError, match=r"x has shape \(4, 4\): must be \(C_in, H, W\)"):
        conv2d(np.zeros((4, 4)), np.zeros((1, 1, 3, 3)))
    with pytest.raises(ValueError, match=r"w has shape \(1, 2, 3, 3\): must be \(C_out, 1, kh, kw\)"):
        conv2d(np.zeros((1, 4, 4)), np.zeros((1, 2, 3, 3)))
    with pytest.raises(ValueError, match="larger than the padded input 4"):
        conv2d(np.zeros((1, 4, 4)), np.zeros((1, 1, 5, 5)))


def test_parse_layers():
    assert parse_layers("conv k=3 s=2 p=1 c=16; MaxPool k=2 ceil ;") == [
        Layer("conv", 3, 2, 1, 1, 16), Layer("maxpool", 2, 2, 0, 1, 0, 0, True)]
    assert parse_layers("conv k=5 d=2 p=same c=8")[0].padding == 4
    assert parse_layers("transposed k=3 s=2 op=1 c=4; fc c=10")[0].output_padding == 1


@pytest.mark.parametrize(("text", "message"), [
    ("", "give at least one layer"),
    ("conv k=3 c=4; cnv k=3", "layer 2 'cnv k=3': unknown kind 'cnv'"),
    ("conv k=3", "conv needs c="),
    ("maxpool s=2", "maxpool needs k="),
    ("maxpool k=2 c=4", "maxpool takes k, s, p, d, ceil, not 'c'"),
    ("conv k=x c=4", "k=x: must be a whole number"),
    ("conv k=3 k=5 c=4", "k= is given twice"),
    ("conv k=4 p=same c=4", "p=same needs a conv with s=1 and an odd"),
    ("avgpool k=2 ceil=maybe", "ceil=maybe: use ceil, ceil=1 or ceil=0"),
    ("conv k=3 c=100000000000000000000000000", "c=100000000000000000000000000: must be at most 1,000,000"),
    ("transposed k=3 s=1000001 c=1", "s=1000001: must be at most 1,000,000"),
])
def test_parse_layers_rejects(text, message):
    with pytest.raises(ValueError, match=message):
        parse_layers(text)


def test_sizes_past_int64_are_still_plotted():
    """Seven transposed convs at the largest stride give sizes of about 10^43: the table and the log2 plot hold."""
    layers = "; ".join(["transposed k=3 s=1000000 c=1"] * 7)
    result = DEMO.run(**{**DEMO.defaults(), "preset": "custom", "layers": layers})
    assert result.data["layers"][-1]["output_shape"][1] > 2**63


def test_default_run_walks_alexnet():
    result = DEMO.run(**DEMO.defaults())
    assert result.table.columns == ("layer", "kind", "output H×W×C", "params", "multiplies", "receptive field")
    assert result.table.rows[0] == ("1", "conv 11×11 s4 p0, 96 ch", "55×55×96", "34,944", "105,415,200", "11")
    assert result.table.rows[4] == ("5–6", "2× conv 3×3 s1 p1, 384 ch", "13×13×384", "2,212,608", "373,800,960",
                                    "131")
    assert result.table.rows[6] == ("8", "maxpool 3×3 s2 p0", "6×6×256", "0", "0", "195")
    assert len(result.table.rows) == 9
    assert "ends at 6×6×256" in result.summary and "62,378,344 parameters" in result.summary
    assert ("random 227×227×3 input (13 of 96 filters, to stay quick) gave 55×55×13, its 55×55 matches layer 1"
            in result.summary)
    assert result.data["total_params"] == 62_378_344
    assert result.data["confirmed"]["output_shape"] == [13, 55, 55]
    assert [layer["output_shape"] for layer in result.data["layers"]][-1] == [1000, 1, 1]
    assert json.loads(json.dumps(result.data)) == result.data
    labels = [line.get_label() for line in result.figure.axes[0].get_lines()]
    assert labels == ["H = W (spatial size)", "C (channels)"]
    np.testing.assert_allclose(result.figure.axes[0].get_lines()[0].get_ydata()[:2], np.log2([227, 55]))


def test_vgg16_and_lenet5_presets():
    vgg = run("vgg16", 0, "")
    assert vgg.data["total_params"] == 138_357_544
    assert len(vgg.table.rows) == 12
    assert vgg.table.rows[9] == ("18", "maxpool 2×2 s2 p0", "7×7×512", "0", "0", "212")
    lenet = run("lenet5", 0, "")
    assert lenet.data["total_params"] == 61_706
    assert [row[2] for row in lenet.table.rows[:4]] == ["28×28×6", "14×14×6", "10×10×16", "5×5×16"]


def test_input_size_overrides_the_preset():
    assert run("alexnet", 224, "").table.rows[0][2] == "54×54×96"


def test_custom_stack_and_impossible_layer():
    result = run("custom", 16, "conv k=3 c=8; maxpool k=2 ceil")
    assert [row[2] for row in result.table.rows] == ["14×14×8", "7×7×8"]
    assert result.data["confirmed"]["input_shape"] == [3, 16, 16]
    with pytest.raises(ValueError, match=r"layer 2 \(conv 7×7 s1 p0, 4 ch\): kernel 7 \(dilated 7\) is larger "
                                         r"than the padded input 5"):
        run("custom", 0, "conv k=5 s=14 c=4; conv k=7 c=4")


def test_large_first_conv_runs_on_fewer_filters():
    result = run("custom", 512, "conv k=5 p=2 c=256")
    confirmed = result.data["confirmed"]
    assert confirmed["output_shape"][1:] == [512, 512] and confirmed["filters_run"] < 256
    filters = confirmed["filters_run"]
    assert (f"{filters} of 256 filters, to stay quick) gave 512×512×{filters}, its 512×512 matches layer 1"
            in result.summary)


def test_confirmation_without_a_runnable_conv():
    assert run("custom", 0, "maxpool k=2").summary.endswith("No conv layer to run with Numba.")
    huge = run("custom", 1024, "transposed k=15 s=8 c=1; transposed k=15 s=8 c=1; conv k=3 c=1")
    assert huge.data["confirmed"] == {"layer": 3, "skipped": True}
    assert "Layer 3 is too large to run here" in huge.summary
    assert huge.table.rows[-1][2:] == ("65597×65597×1", "10", f"{65597**2 * 9:,}", "–")


# ---- branches, dense blocks, 1-D and 3-D layers, sliding windows ----


def conv_nd_reference(x, w, stride, padding, dilation):
    """np.pad every spatial axis, then each dilated window by slicing, summed against every filter."""
    dims = x.ndim - 1
    padded = np.pad(x, [(0, 0)] + [(padding, padding)] * dims)
    spans = [dilation * (k - 1) + 1 for k in w.shape[2:]]
    outs = [(n - span) // stride + 1 for n, span in zip(padded.shape[1:], spans)]
    out = np.zeros((w.shape[0], *outs))
    for position in itertools.product(*(range(n) for n in outs)):
        window = padded[(slice(None), *(slice(p * stride, p * stride + span, dilation)
                                        for p, span in zip(position, spans)))]
        out[(slice(None), *position)] = np.tensordot(w, window, axes=(list(range(1, dims + 2)),
                                                                      list(range(dims + 1))))
    return out


def test_conv_nd_equals_the_numpy_reference_in_1d_2d_and_3d():
    rng = np.random.default_rng(7)
    for _ in range(60):
        dims = int(rng.integers(1, 4))
        kernel, stride, padding, dilation = (int(rng.integers(1, 4)), int(rng.integers(1, 3)),
                                             int(rng.integers(0, 3)), int(rng.integers(1, 3)))
        size = int(rng.integers(dilation * (kernel - 1) + 1, 9))
        x = rng.standard_normal((int(rng.integers(1, 4)), *(size,) * dims))
        w = rng.standard_normal((int(rng.integers(1, 4)), x.shape[0], *(kernel,) * dims))
        np.testing.assert_allclose(conv_nd(x, w, stride, padding, dilation),
                                   conv_nd_reference(x, w, stride, padding, dilation), rtol=1e-10, atol=1e-12)
        if dims == 2:
            np.testing.assert_allclose(conv_nd(x, w, stride, padding, dilation),
                                       conv2d(x, w, stride, padding, dilation), rtol=1e-12, atol=1e-12)


def test_conv_nd_rejects():
    with pytest.raises(ValueError, match=r"w has shape \(1, 2, 3\): must be \(C_out, 1, k\)"):
        conv_nd(np.zeros((1, 5)), np.zeros((1, 2, 3)))
    with pytest.raises(ValueError, match="must be \\(C_in, L\\), \\(C_in, H, W\\) or \\(C_in, D, H, W\\)"):
        conv_nd(np.zeros(5), np.zeros((1, 1)))


def test_param_and_multiply_counts_in_1d_and_3d():
    assert param_count(1, 16, 5, dims=3) == (125 + 1) * 16 == 2016
    assert param_count(16, 32, 5, dims=3) == (125 * 16 + 1) * 32 == 64_032
    assert param_count(1, 16, 5, dims=1) == (5 + 1) * 16
    assert param_count(2, 4, (1, 2, 3), dims=3) == (6 * 2 + 1) * 4
    assert multiply_count(1, 16, 5, 10, dims=3) == 10 ** 3 * 16 * 125
    assert multiply_count(3, 4, 3, (5, 6, 7), dims=3) == 5 * 6 * 7 * 4 * 27 * 3
    with pytest.raises(ValueError, match="dims=4: must be an integer from 1 to 3"):
        param_count(1, 1, 3, dims=4)


def test_walk_in_3d_and_1d_is_the_size_rule_on_every_axis():
    rows = walk(14, 1, parse_layers("conv k=5 c=16; conv k=5 c=32"), dims=3)
    assert [row.output_shape for row in rows] == [(16, 10, 10, 10), (32, 6, 6, 6)]
    assert [row.params for row in rows] == [2016, 64_032]
    rows = walk(14, 1, parse_layers("conv k=5 c=16; conv k=5 c=32"), dims=1)
    assert [row.output_shape for row in rows] == [(16, 10), (32, 6)] and rows[1].params == (5 * 16 + 1) * 32
    rng = np.random.default_rng(3)
    for _ in range(50):
        k, s, p, n = int(rng.integers(1, 5)), int(rng.integers(1, 3)), int(rng.integers(0, 2)), int(rng.integers(5, 20))
        dims = int(rng.integers(1, 4))
        row = walk(n, 2, [Layer("conv", k, s, p, out_channels=3)], dims=dims)[0]
        assert row.output_shape == (3, *(windows_reference(n, k, s, p, 1),) * dims)
        assert row.multiplies == windows_reference(n, k, s, p, 1) ** dims * 3 * k ** dims * 2


INCEPTION = ("[conv k=1 c=64 | conv k=1 c=96; conv k=3 p=1 c=128 | conv k=1 c=16; conv k=5 p=2 c=32 "
             "| maxpool k=3 s=1 p=1; conv k=1 c=32]")


def test_parse_branches_and_dense_blocks():
    (concat,) = parse_layers(INCEPTION)
    assert concat.kind == "concat" and [len(branch) for branch in concat.branches] == [1, 2, 2, 2]
    assert concat.branches[3] == (Layer("maxpool", 3, 1, 1), Layer("conv", 1, out_channels=32))
    dense, conv = parse_layers("dense n=4 c=32; conv k=1 c=96")
    assert dense == Layer("dense", 3, 1, 1, out_channels=32, repeats=4) and conv.kind == "conv"
    assert parse_layers("dense n=2 k=5 c=8")[0].padding == 2
    nested = parse_layers("[conv k=1 c=2 | [conv k=1 c=3 | conv k=1 c=4]]; conv k=1 c=5")
    assert nested[0].branches[1][0].kind == "concat" and nested[1].out_channels == 5


@pytest.mark.parametrize(("text", "message"), [
    ("[conv k=1 c=2 | conv k=1 c=3", "a '\\[' is never closed"),
    ("conv k=1 c=2]", "a '\\]' closes no '\\['"),
    ("[conv k=1 c=2 | ]", "branch b is empty"),
    ("[conv k=1 c=2 | conv k=1]",
     "layer 1 '\\[conv k=1 c=2 \\| conv k=1\\]': branch b: layer 1 'conv k=1': conv needs c="),
    ("[conv k=1 c=2] conv k=1 c=2", "nothing after its '\\]'"),
    ("dense n=4 k=2 c=8", "k=2: a dense block keeps the size, so its kernel must be odd"),
    ("dense n=0 c=8", "n=0: must be from 1 to 100"),
    ("dense c=8", "dense needs n="),
])
def test_parse_branches_and_dense_blocks_rejects(text, message):
    with pytest.raises(ValueError, match=message):
        parse_layers(text)


def test_a_concat_adds_up_its_branches():
    (row,) = walk(28, 192, parse_layers(INCEPTION))
    assert row.output_shape == (256, 28, 28)
    branches = [walk(28, 192, list(branch)) for branch in parse_layers(INCEPTION)[0].branches]  # each alone
    assert [rows[-1].output_shape[0] for rows in branches] == [64, 128, 32, 32]
    assert row.params == sum(r.params for rows in branches for r in rows) == 163_696
    assert row.multiplies == sum(r.multiplies for rows in branches for r in rows)
    assert [[part.label for part in branch] for branch in row.parts] == [["1a"], ["1b.1", "1b.2"], ["1c.1", "1c.2"],
                                                                        ["1d.1", "1d.2"]]
    assert row.receptive_field == 5 == max(rows[-1].receptive_field for rows in branches)
    with pytest.raises(ValueError, match=r"layer 2 \(concat\): its branches end at different sizes \(a 8×8, b 4×4\)"):
        walk(8, 3, parse_layers("conv k=1 c=4; [conv k=1 c=2 | maxpool k=2]"))


def test_a_dense_block_grows_by_the_growth_rate():
    for c_in, n, growth, k, size in [(64, 4, 32, 3, 56), (3, 2, 10, 3, 8), (5, 3, 4, 5, 9)]:
        (row,) = walk(size, c_in, [Layer("dense", k, 1, (k - 1) // 2, out_channels=growth, repeats=n)])
        assert row.output_shape == (c_in + n * growth, size, size)
        assert [part.output_shape[0] for part in row.parts[0]] == [c_in + i * growth for i in range(1, n + 1)]
        assert row.params == sum((k * k * (c_in + i * growth) + 1) * growth for i in range(n))
        assert row.multiplies == sum(size * size * growth * k * k * (c_in + i * growth) for i in range(n))
        assert row.receptive_field == 1 + n * (k - 1)
    assert receptive_field([Layer("dense", 3, 1, 1, out_channels=4, repeats=4), Layer("avgpool", 2, 2)]) == 10
    assert receptive_field(parse_layers(INCEPTION)) == 5


def sliding_reference(x, weights, window, stride):
    """Run a conv-only stack on every window cropped from x, one window at a time."""
    def stack(image):
        for w in weights:
            image = conv2d(image, w)
        return image
    size = (x.shape[1] - window) // stride + 1
    out = np.zeros((weights[-1].shape[0], size, size))
    for i in range(size):
        for j in range(size):
            out[:, i, j] = stack(x[:, i * stride:i * stride + window, j * stride:j * stride + window])[:, 0, 0]
    return out


def test_sliding_windows_are_the_one_pass_output():
    """A conv-only stack on the whole image equals the stack on each window it stands for, cropped alone."""
    rng = np.random.default_rng(5)
    x = rng.standard_normal((2, 12, 12))
    weights = [rng.standard_normal((3, 2, 3, 3)), rng.standard_normal((4, 3, 3, 3)), rng.standard_normal((2, 4, 1, 1))]
    one_pass = conv2d(conv2d(conv2d(x, weights[0]), weights[1]), weights[2])
    result = run("custom", 12, "conv k=3 c=3; conv k=3 c=4; conv k=1 c=2", 2, windows=True)
    sliding = result.data["sliding_windows"]
    assert sliding["window"] == 5 and sliding["stride"] == 1 and sliding["windows"] == 64
    np.testing.assert_allclose(one_pass, sliding_reference(x, weights, 5, 1), atol=1e-12)
    per_window = sum(row.multiplies for row in walk(5, 2, parse_layers("conv k=3 c=3; conv k=3 c=4; conv k=1 c=2")))
    assert sliding["per_window"] == per_window and sliding["separate"] == 64 * per_window
    assert sliding["one_pass"] == result.data["total_multiplies"] < sliding["separate"]


def test_the_sliding_windows_card():
    result = run("custom", 28, "conv k=5 c=16; maxpool k=2 s=2; conv k=5 c=400; conv k=1 c=400; conv k=1 c=4",
                 windows=True)
    assert ("the 8×8 output is 64 windows of 14×14 (the receptive field) at stride 2 (the product of the strides)"
            in result.summary)
    assert "64 × 441,600 = 28.3M, 1.33× as many" in result.summary and "64" in result.summary_zh
    padded = run("custom", 28, "conv k=3 p=1 c=4; conv k=3 c=2", windows=True)
    assert padded.data["sliding_windows"]["applies"] is False and "not 1×1" in padded.summary
    assert "only a stack of conv and pool layers" in run("custom", 28, "conv k=3 c=4; fc c=2", windows=True).summary
    assert run("custom", 28, "conv k=3 c=4").data["sliding_windows"] is None


def test_the_cards_concat_dense_and_3d_runs():
    inception = run("custom", 28, INCEPTION, 192)
    assert "output 28×28×256" in inception.summary
    assert "concatenates their last layers' channels, 64 + 128 + 32 + 32 = 256, at 28×28" in inception.summary
    assert "The 1×1 conv of layer 1c.1 cuts 192 channels to 16" in inception.summary
    assert inception.table.rows[-1] == ("1", "concat 64+128+32+32 ch", "28×28×256", "–", "–", "5")
    assert [row[0] for row in inception.table.rows] == ["1a", "1b.1", "1b.2", "1c.1", "1c.2", "1d.1", "1d.2", "1"]
    assert inception.data["confirmed"]["layer"] == "1a" and "as layer 1a predicts" in inception.summary
    assert json.loads(json.dumps(inception.data)) == inception.data
    dense = run("custom", 56, "dense n=4 c=32; conv k=1 c=96; avgpool k=2", 64)
    assert "output 28×28×96" in dense.summary and "64 + 4 × 32 = 192" in dense.summary
    assert [row[2] for row in dense.table.rows] == ["56×56×96", "56×56×128", "56×56×160", "56×56×192", "56×56×96",
                                                    "28×28×96"]
    volume = run("custom", 14, "conv k=5 c=16; conv k=5 c=32", 1, dims=3)
    assert [row[1:4] for row in volume.table.rows] == [("conv 5×5×5 s1 p0, 16 ch", "10×10×10×16", "2,016"),
                                                       ("conv 5×5×5 s1 p0, 32 ch", "6×6×6×32", "64,032")]
    assert "Numba conv3d on a random 14×14×14×1 input gave 10×10×10×16" in volume.summary
    assert volume.table.columns[2] == "output D×H×W×C"
    signal = run("custom", 14, "conv k=5 c=16; conv k=5 c=32", 1, dims=1)
    assert [row[2] for row in signal.table.rows] == ["10×16", "6×32"] and "conv1d" in signal.summary
    assert signal.figure.axes[0].get_lines()[0].get_label() == "L (length)"


def test_the_nin_preset_ends_in_global_average_pooling():
    nin = run("nin", 0, "")
    assert "output 1×1×10" in nin.summary and nin.data["total_params"] == 1_992_166
    assert nin.table.rows[-1] == ("16", "avgpool 5×5 s5 p0", "1×1×10", "0", "0", "323")
    assert len(nin.table.rows) == 12
