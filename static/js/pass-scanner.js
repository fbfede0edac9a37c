// The organiser's pass scanner (templates/portal/passes/scan.html). The camera opens only when
// the organiser asks (a button: browsers want a gesture, and nobody is filmed by surprise).
// Frames are read by the browser's BarcodeDetector where it knows QR codes, else by the
// vendored jsQR. A pass read goes into the typed field and the form is submitted, so a scan and
// a typed code take the same path: htmx posts it (CSRF header from base.html) and swaps the
// result panel in, which app.js announces. No inline script, no eval: the CSP holds.
(function () {
  "use strict";
  var root = document.querySelector("[data-pass-scanner]");
  var form = document.getElementById("pass-form");
  if (!root || !form) return;
  var input = form.querySelector("input[name=code]");
  var video = root.querySelector("[data-scanner-video]");
  var start = root.querySelector("[data-scanner-start]");
  var stop = root.querySelector("[data-scanner-stop]");
  var status = root.querySelector("[data-scanner-status]");
  var PREFIX = "UPAS-PASS:";
  var SAME_PASS_PAUSE_MS = 5000;  // one pass held in front of the camera is sent once
  var FRAME_MS = 200;
  var stream = null;
  var detector = null;
  var canvas = document.createElement("canvas");
  var context = canvas.getContext("2d", { willReadFrequently: true });
  var timer = null;
  var last = "";
  var lastAt = 0;

  // The attribute for assistive technology and the class for the layout: a button's display
  // rule would otherwise win over [hidden].
  function show(el, visible) {
    el.hidden = !visible;
    el.classList.toggle("hidden", !visible);
  }

  function say(key) {
    status.textContent = root.getAttribute("data-text-" + key) || "";
  }

  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    show(start, false);
    say("unsupported");
    return;
  }

  function makeDetector() {
    if (!("BarcodeDetector" in window)) return Promise.resolve(null);
    return window.BarcodeDetector.getSupportedFormats().then(function (formats) {
      return formats.indexOf("qr_code") === -1 ? null : new window.BarcodeDetector({ formats: ["qr_code"] });
    }).catch(function () { return null; });
  }

  function readFrame() {
    if (!video.videoWidth) return Promise.resolve(null);
    if (detector) {
      return detector.detect(video).then(function (codes) {
        return codes.length ? codes[0].rawValue : null;
      });
    }
    if (!window.jsQR) return Promise.resolve(null);
    // Downscaled: jsQR's time grows with the pixels, and a pass fills much of the frame.
    var scale = Math.min(1, 640 / Math.max(video.videoWidth, video.videoHeight));
    canvas.width = Math.round(video.videoWidth * scale);
    canvas.height = Math.round(video.videoHeight * scale);
    context.drawImage(video, 0, 0, canvas.width, canvas.height);
    var image = context.getImageData(0, 0, canvas.width, canvas.height);
    var code = window.jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" });
    return Promise.resolve(code ? code.data : null);
  }

  function found(text) {
    var now = Date.now();
    if (text === last && now - lastAt < SAME_PASS_PAUSE_MS) return;
    last = text;
    lastAt = now;
    if (text.indexOf(PREFIX) !== 0) {
      say("not-a-pass");
      return;
    }
    input.value = text.slice(PREFIX.length);
    if (form.requestSubmit) form.requestSubmit(); else form.submit();
  }

  function tick() {
    if (!stream) return;
    readFrame().then(function (text) {
      if (text) found(text);
    }).catch(function () {}).then(function () {
      if (stream) timer = setTimeout(tick, FRAME_MS);
    });
  }

  function stopCamera() {
    clearTimeout(timer);
    if (stream) stream.getTracks().forEach(function (track) { track.stop(); });
    stream = null;
    video.srcObject = null;
    show(video, false);
    show(stop, false);
    show(start, true);
  }

  start.addEventListener("click", function () {
    start.disabled = true;
    Promise.all([
      navigator.mediaDevices.getUserMedia({ video: { facingMode: { ideal: "environment" } }, audio: false }),
      makeDetector(),
    ]).then(function (results) {
      stream = results[0];
      detector = results[1];
      video.srcObject = stream;
      show(video, true);
      show(start, false);
      show(stop, true);
      say("on");
      return video.play();
    }).then(tick).catch(function () {
      stopCamera();
      say("denied");
    }).then(function () { start.disabled = false; });
  });

  stop.addEventListener("click", function () {
    stopCamera();
    say("off");
    start.focus();
  });

  // A pass checked in: the field is cleared for the next one (a refusal keeps what was typed).
  document.body.addEventListener("pass-checked-in", function () {
    input.value = "";
  });
})();
