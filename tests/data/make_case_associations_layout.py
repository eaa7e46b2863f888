"""Writes case-associations-layout.json: this project's own text in the layout of an
OpenSALT CASE export with associations (see LAYOUTS.md): the template's ragged
whitespace, escaped slashes, a leading comma before each top-level key, items
typed Cluster › Standard › Component, language and a one-text educationalLevel
on every item, listEnumeration "1.", "a.", isChildOf without sequenceNumber,
origins titled "Origin", destinations "Destination" (or the code), exactMatchOf
and isRelatedTo to nodes of other packages, precedes both within and without,
exemplar whose address is the server's base with a whole web address after it,
times without a zone, and CFDefinitions holding CFItemTypes only.

Run: python tests/data/make_case_associations_layout.py
"""
from __future__ import annotations

import json
import uuid
from pathlib import Path

BASE = "http://standards.example.org/uri/"
NS = uuid.UUID("0f3c2a9e-55b1-4c8e-9d57-3b6f1c2e8a41")
DOC = str(uuid.uuid5(NS, "document"))
WHEN = "2019-03-14T09:26:53"


def ident(*parts) -> str:
    return str(uuid.uuid5(NS, "|".join(parts)))


TYPES = {name: ident("type", name) for name in ("Cluster", "Standard", "Component")}

# (code, type, listEnumeration, parent code, statement, notes)
ITEMS = [
    ("KS.Knife.6.A", "Cluster", None, None, "Hold, carry and store a kitchen knife so that nobody is hurt.", None),
    ("KS.Knife.7.A", "Cluster", None, None, "Choose the cut, the knife and the board for what the dish needs, and work at speed.", None),
    ("KS.Knife.6.A.1", "Standard", "1.", "KS.Knife.6.A", "Carry a knife point down, blade turned back, along the side of the leg, and say \"knife\" when passing behind someone.",
     "For example, a learner walking from the rack to the board with a cook's knife tells the two people at the sink \"knife behind\"."),
    ("KS.Knife.7.A.1", "Standard", "1.", "KS.Knife.7.A", "Dice an onion into even pieces of a size the recipe asks for, keeping the root end whole until the last cut so the layers hold together while cutting.", None),
    ("KS.Knife.6.A.2", "Standard", "2.", "KS.Knife.6.A", "Use the claw grip: fingertips tucked under the knuckles, the knuckles guiding the flat of the blade, for every slice.",
     "For example, \"Slice a cucumber into rounds with the claw, then show the same grip with the other hand.\""),
    ("KS.Knife.7.A.2", "Standard", "2.", "KS.Knife.7.A", "Keep a knife sharp and true.", None),
    ("KS.Knife.6.A.3", "Standard", "3.", "KS.Knife.6.A", "Set up a safe station before cutting: a damp cloth under the board, the board at elbow height, and nothing on the board but what is being cut.", None),
    ("KS.Knife.7.A.3", "Standard", "3.", "KS.Knife.7.A", "Bone and portion a chicken.", "For example, eight portions from one bird, each with skin."),
    ("KS.Knife.6.A.3a", "Component", "a.", "KS.Knife.6.A.3", "Lay a damp cloth or a rubber mat flat under the board so that it does not slide when pressed at any corner, then check by pressing each corner in turn before any knife comes out of the rack or drawer.", None),
    ("KS.Knife.7.A.2a", "Component", "a.", "KS.Knife.7.A.2", "Hone the edge on a steel before each session, holding the blade at the same shallow angle on both sides, drawing from heel to tip, and counting the strokes so that each side gets the same number of them.", None),
    ("KS.Knife.6.A.3b", "Component", "b.", "KS.Knife.6.A.3", "Clear the board of peel and offcuts into a bowl kept beside it.", "For example, a scraps bowl to the left for a right-handed cook."),
    ("KS.Knife.7.A.2b", "Component", "b.", "KS.Knife.7.A.2", "Sharpen on a whetstone when honing no longer brings the edge back, coarse side first and fine side after, keeping the stone wet.", None),
    ("KS.Knife.7.A.2c", "Component", "c.", "KS.Knife.7.A.2", "Test the edge on paper.", "For example, it cuts a hanging sheet cleanly."),
]

# (type, origin code, destination: code in the package, or (identifier part, title, address))
ASSOCIATIONS = [
    ("exactMatchOf", "KS.Knife.6.A", ("other-cluster-6", "Destination", None)),
    ("exactMatchOf", "KS.Knife.6.A.1", ("other-6-1", "Destination", None)),
    ("exactMatchOf", "KS.Knife.6.A.2", ("other-6-2", "Destination", None)),
    ("exactMatchOf", "KS.Knife.6.A.3a", ("other-6-3a", "Destination", None)),
    ("exactMatchOf", "KS.Knife.7.A.1", ("other-7-1", "Destination", None)),
    ("precedes", "KS.Knife.6.A.2", ("later-course", "Destination", None)),
    ("precedes", "KS.Knife.6.A.1", "KS.Knife.6.A.2"),
    ("precedes", "KS.Knife.6.A.3", "KS.Knife.7.A.3"),
    ("exemplar", "KS.Knife.6.A.2", ("video-claw", "Destination", "https://videos.example.net/kitchen/claw-grip/204")),
    ("isRelatedTo", "KS.Knife.7.A.2b", ("related-stones", "Destination", None)),
]


def node(title: str, identifier: str, uri: str) -> str:
    return ('{\n                "title": ' + json.dumps(title) + ',\n                "identifier": "' + identifier
            + '",\n                "uri": ' + esc(uri) + '\n            }')


def esc(text: str) -> str:
    return json.dumps(text, ensure_ascii=False).replace("/", "\\/")


def main() -> None:
    codes = {code: ident("item", code) for code, *_ in ITEMS}
    out = ['{\n    "CFDocument":\n        {\n        "identifier": "' + DOC + '",\n        "uri": ' + esc(BASE + DOC) + ',\n'
           '        "creator": "Kitchen Skills Working Group",\n        "title": "Knife Skills Could Be",\n'
           '                                                        "adoptionStatus": "Draft",                        "lastChangeDateTime": "' + WHEN + '",\n'
           '                "CFPackageURI": ' + esc(BASE + DOC) + '\n    }\n    ,"CFItems": [\n']
    items = []
    for code, kind, enumeration, _parent, statement, notes in ITEMS:
        identifier = codes[code]
        text = ('                                                                {\n        "CFDocumentURI": ' + esc(BASE + DOC) + ',\n'
                '        "identifier": "' + identifier + '",\n        "uri": ' + esc(BASE + identifier) + ',"fullStatement": '
                + esc(statement) + ',            "humanCodingScheme": "' + code + '",\n')
        if enumeration:
            text += '                    "listEnumeration": "' + enumeration + '",\n'
        if notes:
            text += '                        "notes": ' + esc(notes) + ',\n'
        text += ('                                                            "language": "en",\n'
                 '                            "educationalLevel": "0' + code.split(".")[2] + '",\n'
                 '                            "CFItemType": "' + kind + '",\n            "CFItemTypeURI": '
                 + node(kind, TYPES[kind], BASE + TYPES[kind]) + ',\n                \n'
                 '        "lastChangeDateTime": "' + WHEN + '",\n        "CFItemAssociationURI": ' + esc(BASE + identifier + "/associations") + '\n    }')
        items.append(text)
    out.append("\n    ,".join(items))
    out.append('\n    ]\n    ,"CFAssociations": [\n')
    associations = []
    for code, kind, _, parent, *_ in ITEMS:
        dest, title = (codes[parent], parent) if parent else (DOC, "Knife Skills Could Be")
        associations.append(_association("isChildOf", codes[code], dest, title, BASE + dest))
    for kind, origin, destination in ASSOCIATIONS:
        if isinstance(destination, str):
            associations.append(_association(kind, codes[origin], codes[destination], destination, BASE + codes[destination]))
        else:
            part, title, address = destination
            dest = ident("elsewhere", part)
            associations.append(_association(kind, codes[origin], dest, title, BASE + (address or dest)))
    out.append("\n    ,".join(associations))
    out.append('\n    ]\n    ,"CFDefinitions": {\n        "CFItemTypes": [\n')
    types = []
    for name, identifier in TYPES.items():
        types.append('            {\n                "identifier": "' + identifier + '",\n                "uri": ' + esc(BASE + identifier)
                     + ',\n                "title": "' + name + '",\n                "description": null,\n'
                     '                "hierarchyCode": "1",\n                "typeCode": "' + name + '",\n'
                     '                "lastChangeDateTime": "2018-11-02T10:00:41"\n            }')
    out.append(",\n".join(types))
    out.append("\n        ]\n    }\n}")
    text = "".join(out)
    json.loads(text)  # the layout is ragged, never broken
    Path(__file__).with_name("case-associations-layout.json").write_text(text, encoding="utf-8")


def _association(kind: str, origin: str, destination: str, title: str, uri: str) -> str:
    identifier = ident("association", kind, origin, destination)
    return ('{\n        "CFDocumentURI": ' + esc(BASE + DOC) + ',\n        "identifier": "' + identifier + '",\n'
            '        "uri": ' + esc(BASE + identifier) + ',\n        "originNodeURI": ' + node("Origin", origin, BASE + origin) + ',\n'
            '        "associationType": "' + kind + '",\n        "destinationNodeURI": ' + node(title, destination, uri) + ',\n'
            '        "lastChangeDateTime": "' + WHEN + '"\n    }')


if __name__ == "__main__":
    main()
