"""Interactive widgets of the course, one module per notebook topic.

Each widget's callback is a plain function (``render_*`` / ``update_*``) that
tests call without a browser; the widget only wires sliders to it.
"""
