import numpy as np
import pytest
import torch

from course_utils import plotting


def test_tile_places_each_image_in_its_cell():
    images = torch.stack([torch.full((2, 3), float(k)) for k in range(5)])
    canvas = plotting.tile(images, ncols=3, image_shape=(2, 3), pad=1)
    assert canvas.shape == (2 * 3 + 1, 3 * 4 + 1)
    for k in range(5):
        r, c = divmod(k, 3)
        assert np.all(canvas[1 + 3 * r : 3 + 3 * r, 1 + 4 * c : 4 + 4 * c] == k)
    assert np.all(canvas[0] == 0)  # padding stays blank


def test_tile_accepts_flat_rows():
    flat = torch.rand(4, 784)
    assert np.array_equal(plotting.tile(flat, 2), plotting.tile(flat.view(4, 28, 28), 2))


def test_tile_names_the_expected_shape_on_bad_input():
    with pytest.raises(ValueError, match="784 pixels"):
        plotting.tile(torch.rand(4, 100))


def test_array_to_png_is_a_png_of_the_scaled_size():
    import io

    import matplotlib.image as mpimg

    png = plotting.array_to_png(np.eye(5), scale=3)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert mpimg.imread(io.BytesIO(png)).shape[:2] == (15, 15)
    assert plotting.array_to_png(np.eye(5)) != plotting.array_to_png(np.zeros((5, 5)))


def test_array_to_png_refuses_non_2d():
    with pytest.raises(ValueError, match="2-D array"):
        plotting.array_to_png(np.zeros((2, 2, 2)))


def test_image_grid_draws_on_given_axes():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    assert plotting.image_grid(torch.rand(3, 784), ax=ax, title="t") is ax
    assert ax.get_title() == "t"
    plt.close(fig)
