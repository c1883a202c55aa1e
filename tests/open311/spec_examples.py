#!/usr/bin/env python3
"""The examples of the GeoReport v2 specification as test vectors.

Every example answer of ../shared/reference/open311/georeport-v2.md is checked
against the JSON Schemas of schemas.json (which the end-to-end tests apply to
Guichet's own answers): the JSON examples are validated as they are — those
the spec writes with numbers that JSON forbids (leading zeros: 001) are
validated after quoting those numbers, and said so — and every XML example
must be well-formed and name only the fields the schema knows, with every
field it requires. A schema stricter than the spec fails here.

Usage: spec_examples.py [SPEC_MARKDOWN]. Exit 0 when every example passes."""
import json
import pathlib
import re
import sys
import xml.etree.ElementTree as ET

import jsonschema

HERE = pathlib.Path(__file__).parent
SPEC = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else (
    HERE.parents[2] / "shared" / "reference" / "open311" / "georeport-v2.md")
ROOT = json.loads((HERE / "schemas.json").read_text())

# Section of the spec → schema of its answer (schemas.json $defs).
SCHEMA_OF = {
    "GET Service List": "services",
    "GET Service Definition": "service_definition",
    "POST Service Request": "post_response",
    "GET service_request_id from a token": "tokens",
    "GET Service Requests": "requests",
    "GET Service Request": "requests",
    "Errors": "errors",
}


def resolve(schema):
    while "$ref" in schema:
        schema = ROOT["$defs"][schema["$ref"].split("/")[-1]]
    return schema


def validator(name):
    schema = dict(ROOT)
    schema["$ref"] = "#/$defs/" + name
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


def object_schema(schema):
    """The object schema of `schema`, looking through $ref, anyOf/oneOf of an object and null."""
    schema = resolve(schema)
    for key in ("anyOf", "oneOf"):
        for alt in schema.get(key, []):
            alt = resolve(alt)
            if alt.get("type") == "object" or "properties" in alt:
                return alt
    return schema


def check_xml_element(elem, schema, path, problems):
    """Checks the field names of `elem` (an object per the Spark convention) against `schema`."""
    schema = object_schema(schema)
    props = schema.get("properties", {})
    names = [c.tag for c in elem]
    for n in names:
        if n not in props and schema.get("additionalProperties", True) is False:
            problems.append(f"{path}: <{n}> inconnu du schéma")
    for req in schema.get("required", []):
        if req not in names:
            problems.append(f"{path}: <{req}> requis par le schéma, absent de l’exemple")
    for child in elem:
        sub = resolve(props.get(child.tag, {}))
        if sub.get("type") == "array" and len(child):
            for i, item in enumerate(child):
                check_xml_element(item, sub.get("items", {}), f"{path}/{child.tag}[{i}]", problems)


def check_xml(text, name, problems):
    try:
        root = ET.fromstring(text.encode("utf-8"))
    except ET.ParseError as e:
        problems.append(f"XML mal formé : {e}")
        return
    schema = resolve(ROOT["$defs"][name])
    if schema.get("type") == "array":
        for i, item in enumerate(root):
            check_xml_element(item, schema.get("items", {}), f"<{root.tag}>[{i}]", problems)
    else:
        check_xml_element(root, schema, f"<{root.tag}>", problems)


def check_json(text, name, problems, notes):
    try:
        doc = json.loads(text)
    except json.JSONDecodeError:
        repaired = re.sub(r'(:\s*)(0\d+)(\s*[,}\n])', r'\1"\2"\3', text)
        doc = json.loads(repaired)  # still invalid: a failure of the test, with its trace
        notes.append("nombres à zéro initial (interdits en JSON) lus comme des chaînes")
    for e in validator(name).iter_errors(doc):
        problems.append(f"{list(e.absolute_path)}: {e.message}")


def main():
    if not SPEC.is_file():
        # The reference folder sits beside the repository (../shared); a
        # checkout without it cannot run these vectors: ctest reports a skip.
        print(f"spécification introuvable : {SPEC}")
        return 77
    spec = SPEC.read_text()
    checked = failed = 0
    for section in re.split(r"^### ", spec, flags=re.M)[1:]:
        title = section.split("\n", 1)[0].strip()
        if "#### Example Response" not in section:
            continue
        name = SCHEMA_OF[title]  # a new section of the spec must be mapped
        answers = section.split("#### Example Response", 1)[1]
        for block in re.findall(r"^~~~~\n(.*?)^~~~~", answers, flags=re.S | re.M):
            body = re.sub(r"\AHTTP/1\.1 [^\n]*\n\s*", "", block.strip())
            kind = "XML" if body.startswith("<") else "JSON"
            problems, notes = [], []
            if kind == "XML":
                check_xml(body, name, problems)
            else:
                check_json(body, name, problems, notes)
            checked += 1
            state = "ok" if not problems else "ÉCHEC"
            extra = f" ({'; '.join(notes)})" if notes else ""
            print(f"{state:5} {title} — {kind} → {name}{extra}")
            for p in problems:
                print(f"      {p}")
            failed += bool(problems)
    print(f"{checked - failed} passed, {failed} failed")
    return 0 if checked and not failed else 1


if __name__ == "__main__":
    sys.exit(main())
