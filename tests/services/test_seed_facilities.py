"""The 8 facilities loaded on first start are the summary edition's, character for character."""

from __future__ import annotations

import re

from kyodo_desk.services import contacts as svc

_BLOCK = re.compile(r"^(\S*(?:市民サービスセンター|市民交流サロン))\n((?:　.*\n)+)", re.MULTILINE)
_LABELS = {"所在地": "address", "電話": "phone", "E-mail": "email", "ＨＰ": "website",
           "ＦＢ": "facebook"}


def leaflet_facilities(seed_text: str) -> dict[str, dict[str, str]]:
    """Each facility block of the leaflet's back page, read as a person reads it."""
    facilities = {}
    for name, body in _BLOCK.findall(seed_text):
        fields = {"email": "", "facebook": ""}
        for line in body.splitlines():
            label, _, value = line.strip("　").partition("\t")
            key = _LABELS[label.strip().replace("\u3000", "")]
            if key == "address":
                postal, fields["address"] = value.strip().split("\t")
                fields["postal_code"] = postal.removeprefix("〒")
            else:
                fields[key] = value.strip()
        facilities[name] = fields
    return facilities


def test_every_facility_is_exactly_as_in_the_leaflet(db, actor, seed_text: str) -> None:
    expected = leaflet_facilities(seed_text)
    assert len(expected) == 8
    stored = {f.name: f for f in svc.list_facilities(db, actor)}
    assert list(stored) == list(expected)  # same names, in the leaflet's order
    for name, fields in expected.items():
        f = stored[name]
        assert {"address": f.full_address, "postal_code": f.postal_code, "phone": f.phone,
                "email": f.email, "website": f.website, "facebook": f.facebook} == fields, name
