"""Merge a regenerated .pot into a language's .po, keeping its translations.

    python tools/merge_po.py reimbursement_addon/i18n/reimbursement_addon.pot \
        reimbursement_addon/i18n/nb.po nb

Entries that left the .pot are dropped; new ones come in untranslated (the
before-stop check lists them).
"""

import sys

import polib


def main(pot_path, po_path, lang):
    pot = polib.pofile(pot_path)
    try:
        po = polib.pofile(po_path)
    except OSError:
        po = polib.POFile()
    translations = {(entry.msgctxt, entry.msgid): entry.msgstr for entry in po if not entry.obsolete}
    merged = polib.POFile(wrapwidth=78)
    merged.metadata = dict(pot.metadata)
    merged.metadata.update(
        {
            "Language": lang,
            "Plural-Forms": "nplurals=2; plural=(n != 1);",
            "Content-Transfer-Encoding": "8bit",
        }
    )
    merged.header = pot.header
    for entry in pot:
        entry.msgstr = translations.get((entry.msgctxt, entry.msgid), "")
        merged.append(entry)
    merged.save(po_path)
    missing = [entry.msgid for entry in merged if not entry.msgstr]
    print(f"{po_path}: {len(merged)} entries, {len(missing)} untranslated")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
