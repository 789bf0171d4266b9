// Validate an AsyncAPI document with the official parser (@asyncapi/parser).
//
//   node check.mjs <url-or-file>
//
// Resolves every $ref, external http(s) ones included, then prints on stdout one JSON object:
//   {"source", "parsed", "errors": [...], "warnings": [...], "infos": [...], "hints": [...],
//    "channels": [addresses], "operations": n, "messages": n, "resolvedRefs": n,
//    "unresolvedRefs": [...]}
// and exits 1 if the document could not be parsed or any diagnostic has severity error (0),
// 0 otherwise. Used by tests/contracts/test_asyncapi_parser.py.
import { readFile } from "node:fs/promises";

import { DiagnosticSeverity, Parser } from "@asyncapi/parser";

const source = process.argv[2];
if (!source) {
  console.error("usage: node check.mjs <url-or-file>");
  process.exit(2);
}

async function load(where) {
  if (/^https?:\/\//.test(where)) {
    const response = await fetch(where);
    if (!response.ok) {
      throw new Error(`GET ${where}: ${response.status} ${response.statusText}`);
    }
    return response.text();
  }
  return readFile(where, "utf8");
}

function diagnostic(d) {
  return {
    code: d.code,
    message: d.message,
    path: (d.path || []).join("/"),
    severity: d.severity,
  };
}

// `$ref`s left in the resolved document (the parser keeps none it could resolve).
function refsLeft(node, found = [], seen = new Set()) {
  if (node === null || typeof node !== "object" || seen.has(node)) return found;
  seen.add(node);
  if (typeof node.$ref === "string") found.push(node.$ref);
  for (const value of Object.values(node)) refsLeft(value, found, seen);
  return found;
}

async function main() {
  const raw = await load(source);
  // `source` lets the resolver place relative refs; absolute http refs are fetched as is.
  const { document, diagnostics } = await new Parser().parse(raw, { source });
  const errors = diagnostics.filter((d) => d.severity === DiagnosticSeverity.Error);
  const report = {
    source,
    parsed: document !== undefined,
    errors: errors.map(diagnostic),
    warnings: diagnostics
      .filter((d) => d.severity === DiagnosticSeverity.Warning)
      .map(diagnostic),
    infos: diagnostics
      .filter((d) => d.severity === DiagnosticSeverity.Information)
      .map(diagnostic),
    hints: diagnostics.filter((d) => d.severity === DiagnosticSeverity.Hint).map(diagnostic),
    channels: [],
    operations: 0,
    messages: 0,
    resolvedRefs: 0,
    unresolvedRefs: [],
  };
  if (document !== undefined) {
    report.channels = document.channels().all().map((c) => c.address());
    report.operations = document.operations().length;
    report.messages = document.components().messages().length;
    // messages whose CloudEvent `data` schema came back from its URL (it carries an `$id`)
    report.resolvedRefs = document
      .components()
      .messages()
      .all()
      .filter((m) => {
        const parts = m.json().payload?.allOf ?? [];
        return parts.some((p) => typeof p?.properties?.data?.$id === "string");
      }).length;
    report.unresolvedRefs = refsLeft(document.json());
  }
  console.log(JSON.stringify(report, null, 2));
  return report.parsed && errors.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    const message = String(err?.stack || err);
    console.log(
      JSON.stringify({ source, parsed: false, errors: [{ code: "uncaught", message }] }, null, 2),
    );
    process.exit(1);
  },
);
