// Check a UPAS webhook before trusting it (docs/WEBHOOKS.md). Node 18+, no dependencies.
const crypto = require("node:crypto");

function verifyUpasWebhook(secret, timestamp, signature, rawBody, toleranceSeconds = 300) {
  if (!/^\d+$/.test(timestamp || "")) return false;
  if (Math.abs(Date.now() / 1000 - Number(timestamp)) > toleranceSeconds) return false;
  const expected = "sha256=" + crypto.createHmac("sha256", secret)
    .update(Buffer.concat([Buffer.from(timestamp + "."), rawBody])).digest("hex");
  const a = Buffer.from(signature || ""), b = Buffer.from(expected);
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}

module.exports = { verifyUpasWebhook };

// node webhook_verify.js SECRET TIMESTAMP SIGNATURE < body.json  (exit 0: valid)
if (require.main === module) {
  const chunks = [];
  process.stdin.on("data", (c) => chunks.push(c)).on("end", () => {
    const [secret, timestamp, signature] = process.argv.slice(2);
    const ok = verifyUpasWebhook(secret, timestamp, signature, Buffer.concat(chunks));
    console.log(ok ? "valid" : "invalid");
    process.exit(ok ? 0 : 1);
  });
}
