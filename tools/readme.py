"""Make each addon's README.rst and static/description/index.html from its
readme/ fragments, after OCA's layout (oca-gen-addon-readme, which is not
on PyPI): DESCRIPTION, CONFIGURE, USAGE, ROADMAP and CONTRIBUTORS, in
reStructuredText, under the manifest's name; the HTML by docutils.

    python tools/readme.py ADDON...           write them
    python tools/readme.py --check ADDON...   fail when one is stale (make lint)

Fragments use ``~`` for their own headings (the sections are ``=``) and
refer to images as ``static/description/<file>``, where the addon keeps
them: index.html, which lives there, refers to them by name.
"""

import argparse
import ast
import sys
from pathlib import Path

from docutils.core import publish_string

HEADER = ".. Made by tools/readme.py from readme/*.rst: edit those, then run make readme.\n"
SECTIONS = [
    ("CONFIGURE", "Configuration"),
    ("USAGE", "Usage"),
    ("ROADMAP", "Known issues / Roadmap"),
]
HTML_SETTINGS = {
    "embed_stylesheet": False,
    "stylesheet_path": [],
    "doctitle_xform": True,
    "footnote_backlinks": False,
    "output_encoding": "unicode",
    "report_level": 2,
    "halt_level": 2,
    "_disable_config": True,
}


def heading(title, char, overline=False):
    line = char * len(title)
    return f"{line}\n{title}\n{line}\n" if overline else f"{title}\n{line}\n"


def fragment(addon, name):
    path = addon / "readme" / f"{name}.rst"
    return path.read_text(encoding="utf-8").strip() + "\n" if path.exists() else ""


def make_readme(addon):
    manifest = ast.literal_eval((addon / "__manifest__.py").read_text(encoding="utf-8"))
    parts = [HEADER, heading(manifest["name"], "=", overline=True)]
    parts.append(
        f"*Version {manifest['version']} for Odoo 18.0 and 19.0 ({manifest['development_status']}), "
        f"{manifest['license']}. Module* ``{addon.name}``\n"
    )
    parts.append(fragment(addon, "DESCRIPTION"))
    parts.append("**Table of contents**\n\n.. contents::\n   :local:\n")
    for name, title in SECTIONS:
        text = fragment(addon, name)
        if text:
            parts.append(heading(title, "=") + "\n" + text)
    credits = heading("Credits", "=") + "\n" + heading("Authors", "~") + "\n"
    credits += "".join(f"* {author.strip()}\n" for author in manifest["author"].split(","))
    contributors = fragment(addon, "CONTRIBUTORS")
    if contributors:
        credits += "\n" + heading("Contributors", "~") + "\n" + contributors
    parts.append(credits)
    return "\n".join(parts)


def make_html(readme):
    html = publish_string(readme, writer_name="html5", settings_overrides=HTML_SETTINGS)
    # index.html sits beside the images the README names by their path.
    return html.replace('src="static/description/', 'src="')


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="fail when a README.rst or index.html is stale")
    parser.add_argument("addons", nargs="+", type=Path)
    args = parser.parse_args()
    stale = []
    for addon in args.addons:
        readme = make_readme(addon)
        outputs = {addon / "README.rst": readme, addon / "static" / "description" / "index.html": make_html(readme)}
        for path, text in outputs.items():
            if path.exists() and path.read_text(encoding="utf-8") == text:
                continue
            if args.check:
                stale.append(str(path))
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8")
                print(f"wrote {path}")
    if stale:
        sys.exit(f"stale, made from readme/ otherwise: {', '.join(stale)}; run make readme")


if __name__ == "__main__":
    main()
