/* The customer's signature pad on the technician's phone.
 * Pointer events cover finger, stylus and mouse; the drawing is sent as a PNG data URL in the
 * hidden `signature` field. No inline script: the page only loads this file. */
(function () {
  "use strict";

  function setUp() {
    var canvas = document.getElementById("signature-pad");
    var form = document.getElementById("sign-form");
    if (!canvas || !form) {
      return;
    }
    var field = form.querySelector("input[name='signature']");
    var clearButton = document.getElementById("signature-clear");
    var hint = document.getElementById("signature-hint");
    var emptyError = document.getElementById("signature-empty");
    var ctx = canvas.getContext("2d");
    var drawing = false;
    var dirty = false;
    var last = null;

    // Size the bitmap to the displayed size times the pixel ratio, so strokes stay sharp.
    function resize() {
      var rect = canvas.getBoundingClientRect();
      var ratio = Math.max(window.devicePixelRatio || 1, 1);
      var width = Math.round(rect.width * ratio);
      var height = Math.round(rect.height * ratio);
      if (width === canvas.width && height === canvas.height) {
        return;
      }
      var keep = dirty ? canvas.toDataURL("image/png") : null;
      canvas.width = width;
      canvas.height = height;
      ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      ctx.lineWidth = 2.5;
      ctx.lineCap = "round";
      ctx.lineJoin = "round";
      ctx.strokeStyle = "#10213a";
      if (keep) {
        var img = new Image();
        img.onload = function () {
          ctx.drawImage(img, 0, 0, rect.width, rect.height);
        };
        img.src = keep;
      }
    }

    function point(event) {
      var rect = canvas.getBoundingClientRect();
      return { x: event.clientX - rect.left, y: event.clientY - rect.top };
    }

    function markDirty() {
      if (!dirty) {
        dirty = true;
        if (hint) {
          hint.hidden = true;
        }
        if (emptyError) {
          emptyError.hidden = true;
        }
      }
    }

    canvas.addEventListener("pointerdown", function (event) {
      event.preventDefault();
      drawing = true;
      last = point(event);
      if (canvas.setPointerCapture) {
        canvas.setPointerCapture(event.pointerId);
      }
      // A tap leaves a dot.
      ctx.beginPath();
      ctx.arc(last.x, last.y, ctx.lineWidth / 2, 0, Math.PI * 2);
      ctx.fillStyle = ctx.strokeStyle;
      ctx.fill();
      markDirty();
    });

    canvas.addEventListener("pointermove", function (event) {
      if (!drawing) {
        return;
      }
      event.preventDefault();
      var events = event.getCoalescedEvents ? event.getCoalescedEvents() : [event];
      if (!events.length) {
        events = [event];
      }
      ctx.beginPath();
      ctx.moveTo(last.x, last.y);
      for (var i = 0; i < events.length; i++) {
        var p = point(events[i]);
        ctx.lineTo(p.x, p.y);
        last = p;
      }
      ctx.stroke();
    });

    function stop(event) {
      if (drawing && event && canvas.releasePointerCapture) {
        try {
          canvas.releasePointerCapture(event.pointerId);
        } catch (e) {
          /* already released */
        }
      }
      drawing = false;
    }
    canvas.addEventListener("pointerup", stop);
    canvas.addEventListener("pointercancel", stop);
    canvas.addEventListener("pointerleave", stop);

    if (clearButton) {
      clearButton.addEventListener("click", function () {
        ctx.save();
        ctx.setTransform(1, 0, 0, 1, 0, 0);
        ctx.clearRect(0, 0, canvas.width, canvas.height);
        ctx.restore();
        dirty = false;
        field.value = "";
        if (hint) {
          hint.hidden = false;
        }
      });
    }

    form.addEventListener("submit", function (event) {
      if (!dirty) {
        event.preventDefault();
        if (emptyError) {
          emptyError.hidden = false;
        }
        canvas.focus();
        return;
      }
      field.value = canvas.toDataURL("image/png");
    });

    var resizeTimer = null;
    window.addEventListener("resize", function () {
      clearTimeout(resizeTimer);
      resizeTimer = setTimeout(resize, 150);
    });
    resize();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
