// Writes the C2SP CCTV age testkit (npm package cctv-age, pinned in package-lock.json) to a
// directory, for crates/core's decrypt tests: per vector, NAME.json with its textual header
// (expect, identities, passphrases, armored, payload hash, comment) and NAME.age with the age
// file itself, already inflated when the testkit stores it zlib-compressed.
//
// Usage: node vectors.mjs OUTDIR   (after `npm ci` in this directory; scripts/test runs it)
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import * as vectors from "cctv-age";

const out = process.argv[2];
if (!out) {
  console.error("usage: node vectors.mjs OUTDIR");
  process.exit(2);
}
fs.mkdirSync(out, { recursive: true });
let count = 0;
for (const [name, data] of Object.entries(vectors)) {
  const bytes = Buffer.from(data);
  const end = bytes.indexOf("\n\n");
  if (end < 0) throw new Error(`${name}: no blank line after the header`);
  const header = { name, identities: [], passphrases: [], armored: false, compressed: null };
  for (const line of bytes.subarray(0, end).toString("utf8").split("\n")) {
    const i = line.indexOf(": ");
    const [key, value] = [line.slice(0, i), line.slice(i + 2)];
    if (key === "identity") header.identities.push(value);
    else if (key === "passphrase") header.passphrases.push(value);
    else if (key === "armored") header.armored = value === "yes";
    else header[key.replaceAll(" ", "_")] = value;
  }
  let body = bytes.subarray(end + 2);
  if (header.compressed === "zlib") body = zlib.inflateSync(body);
  else if (header.compressed) throw new Error(`${name}: unknown compression ${header.compressed}`);
  fs.writeFileSync(path.join(out, `${name}.json`), JSON.stringify(header));
  fs.writeFileSync(path.join(out, `${name}.age`), body);
  count++;
}
console.log(`${count} vectors`);
