"""course_utils.tensors: the storage map must agree with PyTorch's own strides and values."""

import itertools

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from matplotlib.patches import Rectangle

from course_utils import tensors
from course_utils.tensors import gather_sources, layout, show_gather, show_layout, storage_index, storage_values


def _base():
    return torch.arange(12).view(3, 4)


VIEWS = {
    "contiguous": lambda: _base(),
    "transposed": lambda: _base().t(),
    "sliced columns": lambda: _base()[:, 1:3],
    "stepped slice": lambda: _base()[:, ::2],
    "offset slice": lambda: _base()[1:, 2:],
    "row": lambda: _base()[2],
    "column": lambda: _base()[:, 3],
    "expanded": lambda: torch.tensor([1.0, 2.0, 3.0]).expand(4, 3),
    "expanded column": lambda: torch.arange(3).unsqueeze(1).expand(3, 5),
    "permuted 3-D": lambda: torch.arange(24.0).view(2, 3, 4).permute(2, 0, 1),
    "3-D slice": lambda: torch.arange(24).view(2, 3, 4)[:, 1:, ::3],
    "scalar": lambda: torch.arange(5)[3],
    "as_strided overlap": lambda: torch.arange(6).as_strided((3, 3), (1, 1), 1),
    "bool": lambda: (torch.arange(6) % 2 == 0).view(2, 3).t(),
}


@pytest.mark.parametrize("name", list(VIEWS))
def test_layout_matches_pytorch_strides_offset_and_values(name):
    t = VIEWS[name]()
    info = layout(t)
    assert info.shape == tuple(t.shape)
    assert info.stride == t.stride()
    assert info.offset == t.storage_offset()
    assert info.contiguous == t.is_contiguous()
    assert info.index.shape == tuple(t.shape)
    # Reading the storage through the map gives the tensor's own elements.
    np.testing.assert_array_equal(info.values(), t.numpy())
    # ... element by element, with the formula written out.
    for idx in itertools.product(*(range(s) for s in t.shape)):
        cell = t.storage_offset() + sum(i * s for i, s in zip(idx, t.stride()))
        assert info.index[idx] == cell
        assert info.storage[cell] == t[idx].item()


def test_known_strides_of_the_notebook_examples():
    x = _base()
    assert layout(x.t()).stride == (1, 4)
    assert layout(x[:, ::2]).stride == (4, 2)
    info = layout(x[1:, 2:])
    assert info.offset == 6 and info.index.tolist() == [[6, 7], [10, 11]]
    expanded = layout(torch.tensor([1, 2, 3]).expand(4, 3))
    assert expanded.stride == (0, 1) and len(expanded.storage) == 3
    assert expanded.index.tolist() == [[0, 1, 2]] * 4


def test_storage_values_sees_the_whole_storage_not_just_the_view():
    x = torch.arange(10.0)
    np.testing.assert_array_equal(storage_values(x[7:9]), np.arange(10.0))
    # A copy has a storage of its own, of exactly its size.
    np.testing.assert_array_equal(storage_values(x[7:9].clone()), [7.0, 8.0])
    # Works on tensors that require grad.
    w = torch.ones(2, 2, requires_grad=True)
    np.testing.assert_array_equal(storage_values(w.t()), np.ones(4))


def test_contiguous_copy_gets_row_major_strides_and_fresh_storage():
    t = _base().t()
    c = t.contiguous()
    info = layout(c)
    assert info.stride == (3, 1) and info.contiguous
    np.testing.assert_array_equal(info.storage, t.flatten().numpy())
    np.testing.assert_array_equal(info.index.ravel(), np.arange(12))


def test_storage_index_formula_and_input_checks():
    np.testing.assert_array_equal(storage_index((2, 3), (3, 1)), [[0, 1, 2], [3, 4, 5]])
    np.testing.assert_array_equal(storage_index((2, 3), (1, 2), offset=5), [[5, 7, 9], [6, 8, 10]])
    assert storage_index((), (), 4) == 4
    with pytest.raises(ValueError, match=r"storage_index expects stride one stride per dimension of shape \(2, 3\); got stride \(1,\)"):
        storage_index((2, 3), (1,))
    with pytest.raises(ValueError, match="storage_index expects stride an int >= 0; got -1"):
        storage_index((2,), (-1,))


def test_layout_rejects_non_tensors():
    with pytest.raises(TypeError, match="layout expects t a real-valued torch.Tensor; got list"):
        layout([1, 2, 3])


def _texts(ax):
    return [t.get_text() for t in ax.texts]


def test_show_layout_draws_storage_cells_elements_and_summary():
    t = _base()[:, ::2]  # reads cells 0, 2, 4, ..., 10 of a 12-cell storage
    ax = show_layout(t)
    try:
        texts = _texts(ax)
        rects = [p for p in ax.patches if isinstance(p, Rectangle)]
        assert len(rects) == 12 + t.numel()  # every storage cell + every element
        # Each element is labelled with the cell it reads; every cell number is written.
        for k in (0, 2, 4, 6, 8, 10):
            assert f"s[{k}]" in texts
        for k in (1, 3, 5, 7, 9, 11):
            assert f"s[{k}]" not in texts
        assert all(str(k) in texts for k in range(12))
        title = ax.get_title()
        assert "shape (3, 2)" in title and "stride (4, 2)" in title
        assert "offset 0" in title and "contiguous False" in title
        # Storage cells no element reads stay white; read cells are coloured like their element.
        storage_rects = rects[:12]
        for k, rect in enumerate(storage_rects):
            white = tuple(rect.get_facecolor()[:3]) == (1.0, 1.0, 1.0)
            assert white == (k % 2 == 1)
        element_rects = rects[12:]
        for rect, k in zip(element_rects, layout(t).index.ravel()):
            assert rect.get_facecolor() == storage_rects[k].get_facecolor()
        # One line per element joins it to its storage cell (small tensors).
        assert len(ax.lines) == t.numel()
        assert ax.layout.stride == (4, 2)
    finally:
        plt.close(ax.figure)


def test_show_layout_reports_offset_and_expand():
    fig, (a, b) = plt.subplots(1, 2)
    try:
        show_layout(_base()[1:, 2:], ax=a, title="slice")
        assert "offset 6" in a.get_title() and a.get_title().startswith("slice\n")
        show_layout(torch.tensor([1, 2, 3]).expand(4, 3), ax=b, arrows=False)
        assert "stride (0, 1)" in b.get_title()
        assert _texts(b).count("s[0]") == 4 and len(b.lines) == 0
    finally:
        plt.close(fig)


def test_show_layout_three_dimensions_and_floats():
    t = torch.arange(12.0).view(2, 3, 2) / 3
    ax = show_layout(t)
    try:
        texts = _texts(ax)
        assert "[0]" in texts and "[1]" in texts
        assert "0.333" in texts and "3.67" in texts
    finally:
        plt.close(ax.figure)


def test_show_layout_refuses_big_or_high_dimensional_tensors():
    with pytest.raises(ValueError, match="0 to 3 dimensions"):
        show_layout(torch.zeros(1, 1, 1, 1))
    with pytest.raises(ValueError, match=f"at most {tensors.MAX_CELLS}"):
        show_layout(torch.zeros(100))
    with pytest.raises(ValueError, match="at most"):
        show_layout(torch.zeros(100)[:3])  # small view of a big storage


@pytest.mark.parametrize("dim", [0, 1])
def test_gather_sources_agree_with_torch_gather(dim):
    g = torch.Generator().manual_seed(0)
    src = torch.randn(4, 5, generator=g)
    shape = (3, 5) if dim == 0 else (4, 2)
    index = torch.randint(0, src.shape[dim], shape, generator=g)
    out = torch.gather(src, dim, index)
    sources = gather_sources(index, dim)
    for i, j in itertools.product(range(shape[0]), range(shape[1])):
        r, c = sources[i, j]
        assert out[i, j] == src[r, c]


def test_show_gather_outlines_exactly_the_picked_cells():
    probs = torch.softmax(torch.randn(4, 5, generator=torch.Generator().manual_seed(1)), dim=1)
    targets = torch.tensor([[1], [0], [4], [1]])
    ax = show_gather(probs, targets, dim=1)
    try:
        outlined = {
            (round(p.get_x()), round(p.get_y()))
            for p in ax.patches
            if isinstance(p, Rectangle) and not p.get_fill()
        }
        top = 4
        assert outlined == {(c, top - 1 - r) for r, c in [(0, 1), (1, 0), (2, 4), (3, 1)]}
        texts = _texts(ax)
        for r, c in [(0, 1), (1, 0), (2, 4), (3, 1)]:
            assert f"[{r},{c}]" in texts
            assert tensors.format_value(probs[r, c].item()) in texts
    finally:
        plt.close(ax.figure)


def test_gather_checks_its_index():
    with pytest.raises(ValueError, match=r"gather_sources expects index a 2-D int64 index tensor; got shape \(2,\)"):
        gather_sources(torch.tensor([0, 1]), 0)
    with pytest.raises(TypeError, match="gather_sources expects index a 2-D int64 index tensor; got dtype torch.float32"):
        gather_sources(torch.zeros(2, 2), 0)
    with pytest.raises(ValueError, match=r"gather_sources expects dim an int in \[-2, 1\]; got 2"):
        gather_sources(torch.zeros(2, 2, dtype=torch.long), 2)
