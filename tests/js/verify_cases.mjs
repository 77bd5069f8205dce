// Runs the verification page's script (assets/verify-page/verify.js) in
// Node on the cases in a JSON file: [{ name, code, keyring, noEd25519? }].
// Prints one JSON line per case: { name, valid, reason, document, fields }.
// Usage: node verify_cases.mjs <verify.js> <cases.json>

import { webcrypto } from "node:crypto";
import fs from "node:fs";
import { pathToFileURL } from "node:url";

const [, , script, casesFile] = process.argv;
const { verifyCode } = await import(pathToFileURL(script).href);
const cases = JSON.parse(fs.readFileSync(casesFile, "utf8"));
for (const c of cases) {
  // Node's WebCrypto, passed in: older Nodes have no global `crypto`.
  // `noEd25519` stands for a browser whose WebCrypto lacks Ed25519.
  const subtle = c.noEd25519
    ? {
        digest: (...a) => webcrypto.subtle.digest(...a),
        importKey: async () => {
          throw new DOMException("Unrecognized name.", "NotSupportedError");
        },
      }
    : webcrypto.subtle;
  const r = await verifyCode(c.code, c.keyring, subtle);
  console.log(
    JSON.stringify({
      name: c.name,
      valid: r.valid,
      reason: r.reason ?? null,
      document: r.payload?.documentId ?? null,
      fields: r.payload?.fields ?? null,
    }),
  );
}
