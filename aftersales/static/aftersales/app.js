/* Small progressive enhancements for the back office. Every page works without them. */
(function () {
  "use strict";
  // Parts of a form that only matter in some cases are shown all the time without scripts.
  document.documentElement.classList.add("js");

  function onReady(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }

  onReady(function () {
    // The top bar's drop-downs (<details data-nav-group>): one open at a time, closed by a
    // click elsewhere or Escape. Without scripts each still opens and closes on its heading.
    var groups = Array.prototype.slice.call(document.querySelectorAll("details[data-nav-group]"));
    groups.forEach(function (group) {
      group.addEventListener("toggle", function () {
        if (!group.open) return;
        groups.forEach(function (other) { if (other !== group) other.open = false; });
      });
    });
    document.addEventListener("click", function (event) {
      groups.forEach(function (group) {
        if (group.open && !group.contains(event.target)) group.open = false;
      });
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape") groups.forEach(function (group) { group.open = false; });
    });

    // Destructive actions ask first: <form data-confirm="question">.
    document.addEventListener("submit", function (event) {
      var form = event.target;
      var question = form && form.getAttribute && form.getAttribute("data-confirm");
      if (question && !window.confirm(question)) event.preventDefault();
    });

    // Selects that submit their form on change (the language switcher, list filters).
    document.addEventListener("change", function (event) {
      var el = event.target;
      if (el && el.matches && el.matches("select[data-autosubmit]") && el.form) {
        el.form.submit();
      }
    });

    // Dispatch form: choosing a leader also picks that technician; the override reason is
    // asked for as soon as someone other than the top-ranked technician leads.
    document.addEventListener("change", function (event) {
      var el = event.target;
      if (!el || !el.closest) return;
      var form = el.closest("form[data-dispatch]");
      if (!form) return;
      if (el.name === "leader" && el.checked) {
        var box = form.querySelector('input[name="technicians"][value="' + el.value + '"]');
        if (box && !box.disabled) box.checked = true;
      }
      var top = form.getAttribute("data-top");
      var chosen = form.querySelectorAll('input[name="technicians"]:checked');
      var leader = form.querySelector('input[name="leader"]:checked');
      var lead = leader ? leader.value : (chosen.length === 1 ? chosen[0].value : null);
      var override = form.querySelector("[data-override]");
      if (override) override.classList.toggle("needed", !!(top && lead && lead !== top));
      var teamHint = form.querySelector("[data-team-hint]");
      if (teamHint) teamHint.classList.toggle("needed", chosen.length > 1 && !leader);
    });

    // A background job's page follows its progress; when it finishes the page reloads so
    // that the server renders the result (and any links) as it would for a fresh visit.
    var job = document.querySelector("[data-job-status]");
    if (job && job.getAttribute("data-job-finished") !== "1") {
      var url = job.getAttribute("data-job-status");
      var poll = function () {
        fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
          .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
          .then(function (state) {
            ["status_display", "done", "total"].forEach(function (name) {
              var el = job.querySelector('[data-job-field="' + name + '"]');
              if (el) el.textContent = state[name];
            });
            var bar = job.querySelector("progress");
            if (bar) { bar.value = state.percent; bar.textContent = state.percent + "%"; }
            if (state.finished) window.location.reload();
            else setTimeout(poll, 1500);
          })
          .catch(function () { setTimeout(poll, 5000); });
      };
      setTimeout(poll, 800);
    }

    // Messages fade after a while (errors stay until the page changes).
    document.querySelectorAll(".messages .msg.success, .messages .msg.info").forEach(function (m) {
      setTimeout(function () { m.classList.add("fade"); }, 8000);
    });
  });
})();
