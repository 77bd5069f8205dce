// Verifies a campus-kiosk seal in the browser, offline, exactly as
// docs/verification.md ("Verifying, step by step") says. No dependencies:
// base45 and the small part of CBOR the seal uses are decoded here, and
// Ed25519 is the browser's WebCrypto.
//
// verifyCode(text, keyring) → { valid: true, payload, key }
//                            | { valid: false, reason, detail, payload? }
// `reason` is one of: malformed, unknown-key, bad-signature, revoked,
// wrong-terminal, outside-validity, unsupported (the browser cannot check
// Ed25519 signatures: nothing is claimed).

const B45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
const CONTEXT = new TextEncoder().encode("campus-kiosk/seal/v1");

class Malformed extends Error {}

export function base45Decode(text) {
  const out = [];
  for (let i = 0; i < text.length; i += 3) {
    const chunk = [...text.slice(i, i + 3)].map((c) => {
      const v = B45.indexOf(c);
      if (v < 0) throw new Malformed(`not base45: ${JSON.stringify(c)}`);
      return v;
    });
    if (chunk.length === 3) {
      const n = chunk[0] + chunk[1] * 45 + chunk[2] * 2025;
      if (n > 0xffff) throw new Malformed("base45 value out of range");
      out.push(n >> 8, n & 0xff);
    } else if (chunk.length === 2) {
      const n = chunk[0] + chunk[1] * 45;
      if (n > 0xff) throw new Malformed("base45 value out of range");
      out.push(n);
    } else {
      throw new Malformed("base45 length");
    }
  }
  return new Uint8Array(out);
}

// One CBOR item at `bytes[at]`, definite lengths only: [value, next].
// Byte strings are Uint8Array, maps are Map.
function item(bytes, at) {
  if (at >= bytes.length) throw new Malformed("CBOR ends early");
  const head = bytes[at++];
  const major = head >> 5;
  const info = head & 0x1f;
  let n;
  if (info < 24) {
    n = info;
  } else if (info <= 27) {
    const size = 1 << (info - 24);
    if (at + size > bytes.length) throw new Malformed("CBOR ends early");
    n = 0;
    for (let k = 0; k < size; k++) n = n * 256 + bytes[at + k];
    if (!Number.isSafeInteger(n)) throw new Malformed("CBOR number too large");
    at += size;
  } else {
    throw new Malformed("CBOR: indefinite lengths are not used by seals");
  }
  switch (major) {
    case 0:
      return [n, at];
    case 2:
    case 3: {
      if (at + n > bytes.length) throw new Malformed("CBOR ends early");
      const raw = bytes.slice(at, at + n);
      if (major === 2) return [raw, at + n];
      try {
        return [new TextDecoder("utf-8", { fatal: true }).decode(raw), at + n];
      } catch {
        throw new Malformed("CBOR text is not UTF-8");
      }
    }
    case 4: {
      const list = [];
      for (let k = 0; k < n; k++) {
        let v;
        [v, at] = item(bytes, at);
        list.push(v);
      }
      return [list, at];
    }
    case 5: {
      const map = new Map();
      for (let k = 0; k < n; k++) {
        let key, v;
        [key, at] = item(bytes, at);
        [v, at] = item(bytes, at);
        map.set(key, v);
      }
      return [map, at];
    }
    default:
      throw new Malformed(`CBOR major type ${major} is not used by seals`);
  }
}

export function cborDecode(bytes) {
  const [v, end] = item(bytes, 0);
  if (end !== bytes.length) throw new Malformed("trailing bytes after the CBOR item");
  return v;
}

const isBytes = (v, len) => v instanceof Uint8Array && (len === undefined || v.length === len);
const isUint = (v) => Number.isSafeInteger(v) && v >= 0;
const hex = (b) => [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
export const unhex = (s) => new Uint8Array(s.match(/../g).map((h) => parseInt(h, 16)));

const MAX_READINGS = 4096;

// Step 1's ways to read the text: a browser shows the code's spaces as
// "%20", but "%20" is also three base45 characters. Every "%20" a space
// first, then none, then all but one, all but two, … as three characters.
export function readings(text) {
  const hash = text.lastIndexOf("#");
  const b45 = (hash >= 0 ? text.slice(hash + 1) : text).trim();
  const parts = b45.split("%20");
  const n = parts.length - 1;
  if (n === 0) return [b45];
  const join = (literal) => parts.map((p, i) => p + (i < n ? (literal[i] ? "%20" : " ") : "")).join("");
  const out = [join(Array(n).fill(false)), join(Array(n).fill(true))];
  for (let k = 1; k < n; k++) {
    const pick = [...Array(k).keys()];
    for (;;) {
      if (out.length >= MAX_READINGS) return out;
      const literal = Array(n).fill(false);
      for (const i of pick) literal[i] = true;
      out.push(join(literal));
      let i = k - 1;
      while (i >= 0 && pick[i] >= n - k + i) i--;
      if (i < 0) break;
      pick[i]++;
      for (let j = i + 1; j < k; j++) pick[j] = pick[j - 1] + 1;
    }
  }
  return out;
}

// Step 2: one reading's seal, or a Malformed error.
export function parse(b45) {
  const seal = cborDecode(base45Decode(b45));
  if (!Array.isArray(seal) || seal.length !== 3) throw new Malformed("a seal is an array of 3");
  const [format, payloadBytes, signatures] = seal;
  if (format !== 1) throw new Malformed(`unknown format ${format}`);
  if (!isBytes(payloadBytes)) throw new Malformed("the payload is not a byte string");
  if (!Array.isArray(signatures) || signatures.length === 0) throw new Malformed("no signatures");
  for (const s of signatures) {
    if (!Array.isArray(s) || s.length !== 3 || !isUint(s[0]) || !isBytes(s[1], 8) || !isBytes(s[2])) {
      throw new Malformed("a signature is [alg, 8-byte key id, bytes]");
    }
  }
  const p = cborDecode(payloadBytes);
  if (!Array.isArray(p) || p.length !== 6) throw new Malformed("the payload is an array of 6");
  const [documentId, service, terminal, issued, fields, digest] = p;
  if (typeof documentId !== "string" || typeof service !== "string" || typeof terminal !== "string") {
    throw new Malformed("document id, service and terminal are text");
  }
  if (!isUint(issued)) throw new Malformed("issued is an unsigned integer");
  if (!(fields instanceof Map) || [...fields].some(([k, v]) => typeof k !== "string" || typeof v !== "string")) {
    throw new Malformed("fields map text to text");
  }
  if (!isBytes(digest, 16)) throw new Malformed("the digest is 16 bytes");
  return {
    payloadBytes,
    signatures: signatures.map(([alg, keyId, sig]) => ({ alg, keyId, sig })),
    payload: { documentId, service, terminal, issued, fields: Object.fromEntries(fields), digest: hex(digest) },
  };
}

// Whether the code texts `a` and `b` carry the same signed payload (a
// status the platform gives counts only for the seal on the paper).
export function samePayload(a, b) {
  const payloads = (text) =>
    readings(text).flatMap((r) => {
      try {
        return [hex(parse(r).payloadBytes)];
      } catch {
        return [];
      }
    });
  const mine = new Set(payloads(a));
  return payloads(b).some((p) => mine.has(p));
}

// A code to look a document up by (contract 1.1's public lookup): the
// 16 characters under the QR code, XXXX-XXXX-XXXX-XXXX in Crockford's base
// 32 (any case, hyphens or spaces between the fours optional; I and L read
// as 1, O as 0): the document id. Its canonical form, or null. (The
// 8-character short code of older papers is not looked up: 40 bits can be
// guessed.)
export function lookupCode(text) {
  const groups = text.trim().toUpperCase().split(/[- ]+/);
  if (groups.some((g) => g.length % 4 !== 0)) return null;
  const t = groups.join("").replace(/[IL]/g, "1").replace(/O/g, "0");
  return /^[0-9A-TV-Z]{16}$/.test(t) ? t : null;
}

// The platform's answer for a document: { state, entry?, why? } where
// state is valid, revoked, superseded or unknown (why says). `paper` is
// the code as scanned; `documentId` its seal's document. A document listed
// more than once gets the same verdict in any order: a revocation of the
// paper's own seal wins, then a supersession, and valid only when every
// such entry says so.
export function standing(answer, documentId, paper) {
  const docs = Array.isArray(answer?.documents) ? answer.documents : [];
  const listed = docs.filter((d) => d?.document_id === documentId);
  if (listed.length === 0) return { state: "unknown", why: "not-listed" };
  const same = listed.filter((d) => typeof d.seal === "string" && (paper === null || samePayload(paper, d.seal)));
  if (same.length === 0) return { state: "unknown", why: "other-seal" };
  const weight = { revoked: 2, superseded: 1, valid: 0 };
  if (same.some((d) => !Object.hasOwn(weight, d.status))) return { state: "unknown", why: "bad-answer" };
  const entry = same.reduce((worst, d) => (weight[d.status] > weight[worst.status] ? d : worst));
  return { state: entry.status, entry };
}

// keyring: [{ terminal, public (hex, 32 bytes), not_before, not_after (Unix
// seconds), revoked (bool) }]
export async function verifyCode(text, keyring, subtle = globalThis.crypto?.subtle) {
  let failed;
  for (const reading of readings(text)) {
    let parsed;
    try {
      parsed = parse(reading);
    } catch (e) {
      if (!(e instanceof Malformed)) throw e;
      failed ??= { valid: false, reason: "malformed", detail: e.message };
      continue;
    }
    const r = await checkSeal(parsed, keyring, subtle);
    if (r.valid || r.reason === "unsupported") return r;
    // A well-formed seal's problem says more than a misreading's.
    if (!failed || !failed.payload) failed = r;
  }
  return failed ?? { valid: false, reason: "malformed", detail: "empty" };
}

// Steps 3 and 4 for one well-formed seal.
async function checkSeal(parsed, keyring, subtle) {
  const { payloadBytes, signatures, payload } = parsed;
  if (!subtle) return { valid: false, reason: "unsupported", detail: "no WebCrypto here", payload };
  const message = new Uint8Array(CONTEXT.length + payloadBytes.length);
  message.set(CONTEXT);
  message.set(payloadBytes, CONTEXT.length);
  let last = { valid: false, reason: "unknown-key", detail: "no Ed25519 signature", payload };
  for (const s of signatures.filter((x) => x.alg === 1)) {
    const wanted = hex(s.keyId);
    let key;
    for (const k of keyring) {
      const id = hex(new Uint8Array(await subtle.digest("SHA-256", unhex(k.public)))).slice(0, 16);
      if (id !== wanted) continue;
      // Which entry counts (a revoked one?) must not depend on order.
      if (key) return { valid: false, reason: "duplicate-key", detail: `key ${wanted}`, payload };
      key = k;
    }
    if (!key) {
      last = { valid: false, reason: "unknown-key", detail: `key ${wanted}`, payload };
      continue;
    }
    let ok;
    try {
      const pub = await subtle.importKey("raw", unhex(key.public), { name: "Ed25519" }, false, ["verify"]);
      ok = s.sig.length === 64 && (await subtle.verify({ name: "Ed25519" }, pub, s.sig, message));
    } catch (e) {
      return { valid: false, reason: "unsupported", detail: String(e), payload };
    }
    if (!ok) return { valid: false, reason: "bad-signature", detail: `key ${wanted}`, payload };
    if (key.revoked) return { valid: false, reason: "revoked", detail: `key ${wanted}`, payload };
    if (key.terminal !== payload.terminal) {
      return { valid: false, reason: "wrong-terminal", detail: `key ${wanted} is ${key.terminal}'s`, payload };
    }
    if (payload.issued < key.not_before || payload.issued > key.not_after) {
      return { valid: false, reason: "outside-validity", detail: `key ${wanted}`, payload };
    }
    return { valid: true, payload, key: { ...key, id: wanted } };
  }
  return last;
}
