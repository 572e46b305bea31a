/* Portal KIM: offline drafts. A form marked data-offline-draft="name" keeps what was typed
   in localStorage. Sending it while the connection is down keeps it as pending and sends it
   when the browser is online again. The draft carries its Idempotency-Key (a hidden field
   the server created with the form), so a form sent twice creates one record. */
(function () {
  "use strict";
  var PREFIX = "kim-draft:";
  var OFFLINE = "Koneksi terputus. Tulisan tersimpan di perangkat ini dan akan dikirim " +
    "otomatis saat tersambung kembali.";

  function key(form) { return PREFIX + form.getAttribute("data-offline-draft"); }

  function load(form) {
    try { return JSON.parse(window.localStorage.getItem(key(form)) || "null"); }
    catch (e) { return null; }
  }

  function fields(form) {
    var data = {};
    new FormData(form).forEach(function (value, name) {
      if (name !== "csrf_token" && typeof value === "string") { data[name] = value; }
    });
    return data;
  }

  function save(form, pending) {
    var draft = { fields: fields(form), pending: pending };
    window.localStorage.setItem(key(form), JSON.stringify(draft));
  }

  function say(text) {
    var box = document.querySelector("[data-offline-status]");
    if (box) { box.textContent = text; }
  }

  function restore(form, draft) {
    Object.keys(draft.fields).forEach(function (name) {
      var field = form.elements.namedItem(name);
      if (field && "value" in field) { field.value = draft.fields[name]; }
    });
  }

  function replacePage(html) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    document.title = doc.title;
    document.body.replaceWith(doc.body);
    init();
  }

  function send(form) {
    if (form.getAttribute("data-sending")) { return; }
    form.setAttribute("data-sending", "1");
    var token = form.elements.namedItem("csrf_token");
    window.fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "X-CSRF-Token": token ? token.value : "" }
    }).then(function (response) {
      if (response.ok) {
        window.localStorage.removeItem(key(form));
        window.location.assign(response.url);
        return null;
      }
      save(form, false); /* refused: the page says why; what was typed stays */
      return response.text().then(replacePage);
    }).catch(function () {
      save(form, true);
      say(OFFLINE);
    }).then(function () { form.removeAttribute("data-sending"); });
  }

  function watch(form) {
    var draft = load(form);
    if (draft) { restore(form, draft); }
    form.addEventListener("input", function () {
      var now = load(form);
      save(form, Boolean(now && now.pending));
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      save(form, true);
      if (!navigator.onLine) { say(OFFLINE); return; }
      send(form);
    });
    if (draft && draft.pending) {
      if (navigator.onLine) { send(form); } else { say(OFFLINE); }
    }
  }

  function init() {
    if (window.htmx) { /* htmx swaps the choices in place: no round trip needed */
      var manual = document.querySelectorAll("[data-without-js]");
      Array.prototype.forEach.call(manual, function (el) { el.hidden = true; });
    }
    var forms = document.querySelectorAll("form[data-offline-draft]");
    Array.prototype.forEach.call(forms, watch);
  }

  window.addEventListener("online", function () {
    var forms = document.querySelectorAll("form[data-offline-draft]");
    Array.prototype.forEach.call(forms, function (form) {
      var draft = load(form);
      if (draft && draft.pending) { say("Tersambung kembali, mengirim ..."); send(form); }
    });
  });
  window.addEventListener("offline", function () {
    if (document.querySelector("form[data-offline-draft]")) {
      say("Anda sedang luring. Tulisan tetap tersimpan di perangkat ini.");
    }
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else { init(); }
}());
