import ipywidgets as widgets
import pytest

from course_utils.widgets.base import slider_image


def render(a, b):
    return f"{a}-{b}".encode()


def test_moving_a_slider_redraws_in_place():
    box = slider_image(render, {"a": widgets.IntSlider(value=1), "b": widgets.FloatSlider(value=0.5)})
    image = box.image
    assert image.value == b"1-0.5"
    box.controls["a"].value = 7
    assert box.image is image and image.value == b"7-0.5"
    box.controls["b"].value = 0.25
    assert image.value == b"7-0.25"


def test_controls_must_be_value_widgets():
    with pytest.raises(TypeError, match="control 'a'"):
        slider_image(render, {"a": object(), "b": widgets.IntSlider()})


def test_css_class_tags_the_box():
    box = slider_image(render, {"a": widgets.IntSlider(), "b": widgets.IntSlider()}, css_class="likelihood-explorer")
    assert "likelihood-explorer" in box._dom_classes


def test_the_figure_cache_is_bounded_and_forgets_dropped_owners():
    import gc

    from course_utils.widgets.base import FigureCache

    cache = FigureCache(maxsize=2)
    built = []

    def build(name):
        built.append(name)
        return name

    assert cache.get("a", lambda: build("a")) == "a" and cache.get("a", lambda: build("again")) == "a"
    cache.get("b", lambda: build("b"))
    cache.get("a", lambda: build("a2"))  # a is now the most recently used
    cache.get("c", lambda: build("c"))  # drops b, the least recently used
    assert len(cache) == 2 and built == ["a", "b", "c"]
    cache.get("b", lambda: build("b2"))
    assert built[-1] == "b2"

    class Owner:
        pass

    owner = Owner()
    first = cache.get("fig", lambda: object(), owner=owner)
    assert cache.get("fig", lambda: object(), owner=owner) is first
    del owner
    gc.collect()
    assert all(key[0] != "fig" for key in cache._items)
