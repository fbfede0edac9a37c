// Copy front-end libraries from node_modules into static/js so the portal never loads a CDN.
// base.html names these files; update it when a version changes.
// File names carry the version, so a cached old copy can never be served for a new one.
const fs = require("fs");
const path = require("path");

const root = path.join(__dirname, "..");
const out = path.join(root, "static", "js", "vendor");
fs.mkdirSync(out, { recursive: true });
for (const f of fs.readdirSync(out)) fs.unlinkSync(path.join(out, f));

function copy(pkg, file, name, suffix) {
  const version = require(path.join(root, "node_modules", pkg, "package.json")).version;
  const target = `${name}-${version}${suffix}`;
  // The source map is not shipped, so its reference goes: collectstatic's manifest storage
  // would otherwise fail on the missing file.
  const code = fs.readFileSync(path.join(root, "node_modules", pkg, file), "utf8");
  fs.writeFileSync(path.join(out, target), code.replace(/\n\/\/# sourceMappingURL=\S+\s*$/, "\n"));
  console.log(`static/js/vendor/${target}`);
}

copy("htmx.org", "dist/htmx.min.js", "htmx", ".min.js");
copy("chart.js", "dist/chart.umd.js", "chart", ".umd.js");
// The door-pass scanner's QR decoder where the browser has no BarcodeDetector.
copy("jsqr", "dist/jsQR.js", "jsQR", ".js");

// axe-core for the accessibility sweep in the browser tests (never served): committed under
// tests/ so `make test` needs no Node. Its first line names the version.
const tests = path.join(root, "tests", "browser", "vendor");
fs.mkdirSync(tests, { recursive: true });
fs.copyFileSync(path.join(root, "node_modules", "axe-core", "axe.min.js"), path.join(tests, "axe.min.js"));
console.log("tests/browser/vendor/axe.min.js");
