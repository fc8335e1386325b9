"""Draw one chart as SVG with vl-convert, in a process of its own.

:func:`utils.charts.svg` runs this file where the address space is limited: vl-convert's
JavaScript engine may abort the process it runs in there, and only a process of its own can
die without taking the kernel with it. Reads ``{"spec", "vl_version", "fonts"}`` as JSON on
stdin and writes the SVG, UTF-8, on stdout. It is run by its path, so that it imports
vl-convert alone (not the course package, whose imports would cost a second per chart).
"""

import json
import sys


def main() -> None:
    job = json.loads(sys.stdin.buffer.read())
    import vl_convert as vlc

    vlc.register_font_directory(job["fonts"])
    # No base URL allowed, as in utils.charts: the chart's data may not come from elsewhere.
    svg = vlc.vegalite_to_svg(job["spec"], vl_version=job["vl_version"], allowed_base_urls=[])
    sys.stdout.buffer.write(svg.encode("utf-8"))


if __name__ == "__main__":
    main()
