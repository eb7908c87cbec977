/** Synthetic OpenPGP key exports for the configuration tests: structure only, no key material. */

/** A new-format packet (RFC 4880 4.2.2, one-octet length). */
const packet = (tag: number, body: Buffer) => Buffer.concat([Buffer.from([0xc0 | tag, body.length]), body]);

/** A structurally valid key export: a public key packet (version 4, RSA, dummy material) and a user ID. */
export function syntheticPgpKey(userId: string, firstTag = 6): string {
  const key = packet(firstTag, Buffer.from([4, 0, 0, 0, 0, 1, 0, 8, 0xff, 0, 1, 1]));
  return Buffer.concat([key, packet(13, Buffer.from(userId, "utf8"))]).toString("base64");
}
